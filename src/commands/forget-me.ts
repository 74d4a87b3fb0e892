import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  MessageFlags,
  SlashCommandBuilder,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
} from "discord.js";
import type { BotServices } from "../discord/bot-services.js";
import type { CommandRecord } from "../discord/command-record.js";
import { describeForgotten } from "../presentation/forget-summary.js";

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
  const inputs = await services.inputs.forgetOwner(userId);
  const counts = {
    cancelled: queue.cancelled,
    jobs: queue.jobs,
    results,
    rateRecords: queue.rateRecords,
    inputs,
  };
  services.logger.info({ userId, ...counts }, "forgot a member on request");
  await interaction.editReply({ content: describeForgotten(counts) });
}

/** `/forget-me`: delete everything the bot keeps about you, after a confirmation. */
function forgetMeDefinition() {
  return new SlashCommandBuilder()
    .setName("forget-me")
    .setDescription("Delete every record the bot keeps about you")
    .setContexts(0)
    .toJSON();
}

export const forgetMeCommand: CommandRecord = {
  name: "forget-me",
  definition: forgetMeDefinition,
  run: runForgetMe,
  buttons: [{ prefix: "forget-me", handle: forgetMeButton }],
};
