import {
  MessageFlags,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type ChatInputCommandInteraction,
} from "discord.js";
import type { BotServices } from "../discord/bot-services.js";
import type { CommandRecord } from "../discord/command-record.js";
import { canModerate } from "../discord/interaction-context.js";
import { historyPayload } from "./history-payload.js";

/**
 * `/history-of member:`: a member's results in this server, from every channel (private and
 * age-restricted ones included), so it needs Manage Server: checked here at run time, because
 * admins can change who sees a command, and set as the command's default permission so Discord
 * hides it from everyone else. Paging goes through `/history`'s buttons.
 */
async function runHistoryOf(interaction: ChatInputCommandInteraction, services: BotServices): Promise<void> {
  const guildId = interaction.guildId;
  if (!guildId) {
    await interaction.reply({ content: "Use /history-of in a server.", flags: MessageFlags.Ephemeral });
    return;
  }
  if (!canModerate(interaction, "server")) {
    await interaction.reply({
      content:
        "Looking up another member's history needs the **Manage Server** permission: it lists their prompts from every channel. Use /history for your own.",
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  // The raw option value is the member's id: enough here, even when no resolved user came along.
  const picked = interaction.options.get("member", true).value;
  const subjectId = typeof picked === "string" && picked.length > 0 ? picked : interaction.user.id;
  const self = subjectId === interaction.user.id;
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  await interaction.editReply(await historyPayload(services, { guildId, subjectId, self, pageIndex: 0 }));
}

function historyOfDefinition() {
  return new SlashCommandBuilder()
    .setName("history-of")
    .setDescription("A member's recent generations in this server (Manage Server; only you see this)")
    .setContexts(0)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addUserOption((option) =>
      option.setName("member").setDescription("Whose generations to list").setRequired(true),
    )
    .toJSON();
}

export const historyOfCommand: CommandRecord = {
  name: "history-of",
  definition: historyOfDefinition,
  run: runHistoryOf,
};
