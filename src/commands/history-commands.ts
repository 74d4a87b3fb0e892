import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  MessageFlags,
  PermissionFlagsBits,
  type BaseInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
} from "discord.js";
import type { BotServices } from "../discord/bot-services.js";
import type { CommandTable } from "../discord/interaction-router.js";
import { describeForgotten } from "../history/forget-summary.js";
import { historyPageSize, renderHistoryPage } from "../history/history-page.js";

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

/** `/forget-me`: asks first; the buttons carry the caller's id. */
async function runForgetMe(interaction: ChatInputCommandInteraction, services: BotServices): Promise<void> {
  const userId = interaction.user.id;
  const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder()
      .setCustomId(`forget-me:confirm:${userId}`)
      .setLabel("Delete everything")
      .setStyle(ButtonStyle.Danger),
    new ButtonBuilder()
      .setCustomId(`forget-me:cancel:${userId}`)
      .setLabel("Keep it")
      .setStyle(ButtonStyle.Secondary),
  );
  await interaction.reply({
    content:
      "This cancels your unfinished jobs and deletes every record the bot keeps about you, in every " +
      `server: your jobs and their prompts, the links that let anyone reroll your results and your ` +
      `rate-limit counter. It cannot be undone. (Records are otherwise deleted after ${services.retentionDays} days.)`,
    components: [row],
    flags: MessageFlags.Ephemeral,
  });
}

async function forgetMeButton(interaction: ButtonInteraction, services: BotServices): Promise<void> {
  const [, action, userId] = interaction.customId.split(":");
  if (userId !== interaction.user.id) {
    await interaction.reply({ content: "Those buttons are not for you.", flags: MessageFlags.Ephemeral });
    return;
  }
  if (action !== "confirm") {
    await interaction.update({ content: "Nothing was deleted.", components: [] });
    return;
  }
  // Acknowledge at once and drop the buttons so a second click cannot start a second run.
  await interaction.update({ content: "Deleting your records…", components: [] });
  const queue = await services.queue.forgetUser(userId);
  const results = await services.results.forgetUser(userId);
  const counts = { cancelled: queue.cancelled, jobs: queue.jobs, results, rateRecords: queue.rateRecords };
  services.logger.info({ userId, ...counts }, "forgot a member on request");
  await interaction.editReply({ content: describeForgotten(counts) });
}

/** `/history` and `/forget-me` with their buttons, for `startDiscordBot({ extraCommands })`. */
export const historyCommands: CommandTable = {
  history: { run: runHistory, button: historyButton },
  "forget-me": { run: runForgetMe, button: forgetMeButton },
};
