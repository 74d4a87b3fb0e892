import {
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  TextInputBuilder,
  TextInputStyle,
  type ButtonInteraction,
  type ModalSubmitInteraction,
} from "discord.js";
import { refusalToActOn, remixRequest } from "../app/result-requests.js";
import type { ResultEntry } from "../history/result-store.js";
import { unknownThreadParentNotice } from "../presentation/user-messages.js";
import { answerWithJob } from "../discord/answer-with-job.js";
import type { BotServices } from "../discord/bot-services.js";
import { channelIsNsfw, locationOf, roleIdsOf } from "../discord/interaction-context.js";
import { messageLink } from "../discord/post-job-message.js";

/** The modal's custom id is `remix:<result message id>`: its submit finds the parent in the result index. */
export const remixModalPrefix = "remix";
/** Discord's longest text input. */
const maxInput = 4000;

/**
 * ✏️ Remix: a modal prefilled with the result's prompt and the member's own negative (not the
 * channel's additions), with an empty seed (a new one) and the steps it was made with.
 */
export async function showRemixModal(
  interaction: ButtonInteraction,
  services: BotServices,
  entry: ResultEntry,
): Promise<void> {
  const template = services.generation.templates.find((candidate) => candidate.name === entry.workflow);
  const text = (id: string, style: TextInputStyle, value: string | undefined, required: boolean) => {
    const input = new TextInputBuilder()
      .setCustomId(id)
      .setStyle(style)
      .setRequired(required)
      .setMaxLength(maxInput);
    if (value !== undefined && value !== "") input.setValue(value.slice(0, maxInput));
    return input;
  };
  const modal = new ModalBuilder()
    .setCustomId(`${remixModalPrefix}:${interaction.message.id}`)
    .setTitle("Remix")
    .addLabelComponents(
      new LabelBuilder()
        .setLabel("Prompt")
        .setTextInputComponent(text("prompt", TextInputStyle.Paragraph, entry.request.prompt, true)),
    );
  if (template?.takes("negative") !== false) {
    modal.addLabelComponents(
      new LabelBuilder()
        .setLabel("Negative prompt")
        .setTextInputComponent(text("negative", TextInputStyle.Paragraph, entry.request.negative, false)),
    );
  }
  if (template?.takes("seed") !== false) {
    modal.addLabelComponents(
      new LabelBuilder()
        .setLabel("Seed")
        .setDescription("Empty for a new one")
        .setTextInputComponent(text("seed", TextInputStyle.Short, undefined, false).setMaxLength(20)),
    );
  }
  if (template?.takes("steps") !== false) {
    const steps = entry.request.steps ?? entry.params.steps;
    modal.addLabelComponents(
      new LabelBuilder()
        .setLabel("Steps")
        .setTextInputComponent(
          text(
            "steps",
            TextInputStyle.Short,
            steps === undefined ? undefined : String(steps),
            false,
          ).setMaxLength(4),
        ),
    );
  }
  await interaction.showModal(modal);
  services.logger.debug({ messageId: interaction.message.id }, "remix form opened");
}

function field(interaction: ModalSubmitInteraction, id: string): string | undefined {
  return interaction.fields.fields.has(id) ? interaction.fields.getTextInputValue(id) : undefined;
}

/** The Remix form sent: a new job on the parent's workflow, linked to its parent like a reroll. */
export async function remixSubmit(interaction: ModalSubmitInteraction, services: BotServices): Promise<void> {
  const messageId = interaction.customId.slice(remixModalPrefix.length + 1);
  const entry = await services.results.get(messageId);
  if (!entry || entry.guildId !== interaction.guildId) {
    await interaction.reply({
      content: `That result is no longer kept (results are kept for ${services.retentionDays} days).`,
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  const place = await locationOf(interaction);
  if (place.kind !== "located") {
    await interaction.reply({ content: unknownThreadParentNotice, flags: MessageFlags.Ephemeral });
    return;
  }
  const settings = await services.settings.resolve(place.location);
  const refusal = refusalToActOn(entry, interaction.user.id, settings.values, "remix");
  if (refusal !== undefined) {
    await interaction.reply({ content: refusal, flags: MessageFlags.Ephemeral });
    return;
  }
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const outcome = await services.generation.generate({
    userId: interaction.user.id,
    location: place.location,
    channelNsfw: channelIsNsfw(interaction),
    roleIds: roleIdsOf(interaction.member),
    request: remixRequest(entry, {
      prompt: interaction.fields.getTextInputValue("prompt"),
      negative: field(interaction, "negative"),
      seed: field(interaction, "seed"),
      steps: field(interaction, "steps"),
    }),
    rerollOf: entry.jobId,
  });
  const link = messageLink(place.location.guildId, entry.channelId, messageId);
  await answerWithJob(interaction, services, outcome, {
    location: place.location,
    replyTo: messageId,
    header: `✏️ Remix of ${link} for <@${interaction.user.id}>`,
  });
}
