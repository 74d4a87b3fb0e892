import {
  MessageFlags,
  SlashCommandBuilder,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
} from "discord.js";
import type { BotServices } from "../discord/bot-services.js";
import type { CommandRecord } from "../discord/command-record.js";
import { canModerate } from "../discord/interaction-context.js";
import { historyPayload } from "./history-payload.js";

/**
 * `/history`: the caller's own results in this server. It takes no member: looking up someone
 * else is `/history-of`, a command of its own so Discord can hide it from members without
 * Manage Server (one option cannot be hidden per permission).
 */
async function runHistory(interaction: ChatInputCommandInteraction, services: BotServices): Promise<void> {
  const guildId = interaction.guildId;
  if (!guildId) {
    await interaction.reply({ content: "Use /history in a server.", flags: MessageFlags.Ephemeral });
    return;
  }
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  await interaction.editReply(
    await historyPayload(services, { guildId, subjectId: interaction.user.id, self: true, pageIndex: 0 }),
  );
}

/**
 * `history:<page>:<userId>`: the paging buttons of `/history` and `/history-of`. A custom id can be
 * made up, so someone else's pages need Manage Server again, as `/history-of` does.
 */
async function historyButton(interaction: ButtonInteraction, services: BotServices): Promise<void> {
  const [, pageText, subjectId] = interaction.customId.split(":");
  const pageIndex = Number(pageText);
  const guildId = interaction.guildId;
  if (!guildId || !subjectId || !Number.isInteger(pageIndex) || pageIndex < 0) return;
  const self = subjectId === interaction.user.id;
  if (!self && !canModerate(interaction, "server")) {
    await interaction.reply({
      content: "That history is not yours to page: another member's history needs Manage Server.",
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  // Deferred: on a large store the lookup may take a moment, and the 3 s answer window is firm.
  await interaction.deferUpdate();
  await interaction.editReply(await historyPayload(services, { guildId, subjectId, self, pageIndex }));
}

function historyDefinition() {
  return new SlashCommandBuilder()
    .setName("history")
    .setDescription("Your recent generations (only you see this)")
    .setContexts(0)
    .toJSON();
}

export const historyCommand: CommandRecord = {
  name: "history",
  definition: historyDefinition,
  run: runHistory,
  buttons: [{ prefix: "history", handle: historyButton }],
};
