import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  MessageFlags,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type BaseInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
} from "discord.js";
import type { BotServices } from "../discord/bot-services.js";
import type { CommandRecord } from "../discord/command-record.js";
import { historyPageSize, renderHistoryPage } from "../presentation/history-page.js";

const noMentions = { parse: [] };

/** Manage Messages or Manage Server, checked at run time: admins can change who sees a command. */
function isModerator(interaction: BaseInteraction): boolean {
  return (
    interaction.memberPermissions?.any([
      PermissionFlagsBits.ManageMessages,
      PermissionFlagsBits.ManageGuild,
    ]) ?? false
  );
}

async function historyPayload(
  services: BotServices,
  guildId: string,
  subjectId: string,
  self: boolean,
  pageIndex: number,
) {
  const result = await services.results.page({
    userId: subjectId,
    guildId,
    offset: pageIndex * historyPageSize,
    limit: historyPageSize,
  });
  const view = renderHistoryPage({
    result,
    pageIndex,
    subjectId,
    self,
    retentionDays: services.retentionDays,
  });
  const components =
    view.hasNewer || view.hasOlder
      ? [
          new ActionRowBuilder<ButtonBuilder>().addComponents(
            new ButtonBuilder()
              .setCustomId(`history:${pageIndex - 1}:${subjectId}`)
              .setLabel("◀ Newer")
              .setStyle(ButtonStyle.Secondary)
              .setDisabled(!view.hasNewer),
            new ButtonBuilder()
              .setCustomId(`history:${pageIndex + 1}:${subjectId}`)
              .setLabel("Older ▶")
              .setStyle(ButtonStyle.Secondary)
              .setDisabled(!view.hasOlder),
          ),
        ]
      : [];
  return { content: view.content, components, allowedMentions: noMentions };
}

/** `/history [member]`: the caller's results in this server, or a member's for moderators. */
async function runHistory(interaction: ChatInputCommandInteraction, services: BotServices): Promise<void> {
  const guildId = interaction.guildId;
  if (!guildId) {
    await interaction.reply({ content: "Use /history in a server.", flags: MessageFlags.Ephemeral });
    return;
  }
  // The raw option value is the member's id: enough here, even when no resolved user came along.
  const picked = interaction.options.get("member")?.value;
  const subjectId = typeof picked === "string" && picked.length > 0 ? picked : interaction.user.id;
  const self = subjectId === interaction.user.id;
  if (!self && !isModerator(interaction)) {
    await interaction.reply({
      content: "Only moderators (Manage Messages or Manage Server) can look up another member's history.",
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  await interaction.editReply(await historyPayload(services, guildId, subjectId, self, 0));
}

/** `history:<page>:<userId>`: the paging buttons. */
async function historyButton(interaction: ButtonInteraction, services: BotServices): Promise<void> {
  const [, pageText, subjectId] = interaction.customId.split(":");
  const pageIndex = Number(pageText);
  const guildId = interaction.guildId;
  if (!guildId || !subjectId || !Number.isInteger(pageIndex) || pageIndex < 0) return;
  const self = subjectId === interaction.user.id;
  if (!self && !isModerator(interaction)) {
    await interaction.reply({ content: "That history is not yours to page.", flags: MessageFlags.Ephemeral });
    return;
  }
  // Deferred: on a large store the lookup may take a moment, and the 3 s answer window is firm.
  await interaction.deferUpdate();
  await interaction.editReply(await historyPayload(services, guildId, subjectId, self, pageIndex));
}

/** `/history`: your recent generations, paged; moderators may look up a member. */
function historyDefinition() {
  return new SlashCommandBuilder()
    .setName("history")
    .setDescription("Your recent generations (only you see this)")
    .setContexts(0)
    .addUserOption((option) =>
      option.setName("member").setDescription("Moderators: look up a member's history"),
    )
    .toJSON();
}

export const historyCommand: CommandRecord = {
  name: "history",
  definition: historyDefinition,
  run: runHistory,
  buttons: [{ prefix: "history", handle: historyButton }],
};
