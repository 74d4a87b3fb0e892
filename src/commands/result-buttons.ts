import { MessageFlags, type Attachment, type ButtonInteraction, type Message } from "discord.js";
import { refusalToActOn, upscaleRequest, varyRequest, type ResultVerb } from "../app/result-requests.js";
import { rerollRequest } from "../app/reroll.js";
import { takeInputImage } from "../app/take-input-image.js";
import type { ResultEntry } from "../history/result-store.js";
import { gridFileName } from "../images/make-grid.js";
import type { ChannelLocation } from "../moderation/settings-repository.js";
import { parseResultButton } from "../presentation/result-buttons.js";
import { unknownThreadParentNotice } from "../presentation/user-messages.js";
import type { GenerationRequest } from "../request/generation-request.js";
import { answerWithJob } from "../discord/answer-with-job.js";
import type { BotServices } from "../discord/bot-services.js";
import { channelIsNsfw, locationOf, roleIdsOf } from "../discord/interaction-context.js";
import { mayModerateJobs } from "../discord/moderation-rights.js";
import { messageLink } from "../discord/post-job-message.js";
import { showRemixModal } from "./remix-modal.js";

async function refuse(interaction: ButtonInteraction, content: string): Promise<void> {
  await interaction.reply({ content, flags: MessageFlags.Ephemeral });
}

/**
 * The originals on a result message, in order: every attachment but the grid. Vary and Upscale
 * take the n-th as Discord serves it, so the job starts from exactly the picture members see.
 */
function originalsOf(message: Message): Attachment[] {
  const grid = new RegExp(`(^|SPOILER_)${gridFileName.replace(".", "\\.")}$`);
  return [...message.attachments.values()].filter((attachment) => !grid.test(attachment.name));
}

/**
 * 🎲 Reroll, 🔀 Vary, ⬆️ Upscale, ✏️ Remix, 🗑️ Delete and U1…/V1… under a result (`result:…`).
 * Everything comes from the custom id and the result index (by the message the button is on),
 * never from memory: buttons work after a restart and long after the result's token expired.
 * Who may press follows the channel's `rerollBy` (Delete: the owner or a moderator); a refusal
 * is an ephemeral reply.
 */
export async function resultButton(interaction: ButtonInteraction, services: BotServices): Promise<void> {
  const pressed = parseResultButton(interaction.customId);
  if (!pressed) return;
  const entry = await services.results.get(interaction.message.id);
  if (!entry || entry.guildId !== interaction.guildId) {
    await refuse(
      interaction,
      `This result is no longer kept (results are kept for ${services.retentionDays} days), so its buttons do nothing.`,
    );
    return;
  }
  if (pressed.action === "delete") {
    await deleteResult(interaction, services, entry);
    return;
  }
  const place = await locationOf(interaction);
  if (place.kind !== "located") {
    await refuse(interaction, unknownThreadParentNotice);
    return;
  }
  const settings = await services.settings.resolve(place.location);
  const refusal = refusalToActOn(entry, interaction.user.id, settings.values, pressed.action);
  if (refusal !== undefined) {
    await refuse(interaction, refusal);
    return;
  }
  if (pressed.action === "remix") {
    await showRemixModal(interaction, services, entry);
    return;
  }
  // Downloading a picture can outlast Discord's 3 seconds; "thinking…" is only shown to the presser.
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const action = pressed.action;
  const request = await requestFor(
    interaction,
    services,
    entry,
    { action, image: pressed.image },
    settings.values,
  );
  if (typeof request === "string") {
    await interaction.editReply({ content: request });
    return;
  }
  const outcome = await services.generation.generate({
    userId: interaction.user.id,
    location: place.location,
    channelNsfw: channelIsNsfw(interaction),
    roleIds: roleIdsOf(interaction.member),
    request,
    rerollOf: entry.jobId,
  });
  await answerWithJob(interaction, services, outcome, {
    location: place.location,
    replyTo: interaction.message.id,
    header: headerFor(action, pressed.image, place.location, interaction),
  });
}

/** The request the button makes, or the member's words when it cannot be made. */
async function requestFor(
  interaction: ButtonInteraction,
  services: BotServices,
  entry: ResultEntry,
  pressed: { action: Exclude<ResultVerb, "remix">; image: number },
  settings: Parameters<typeof takeInputImage>[1]["settings"],
): Promise<GenerationRequest | string> {
  if (pressed.action === "reroll") return rerollRequest(entry);
  const workflow = pressed.action === "vary" ? services.actions.img2img : services.actions.upscale;
  const template = services.generation.templates.find((candidate) => candidate.name === workflow);
  if (workflow === undefined || !template) {
    return pressed.action === "vary"
      ? "Vary is not set up on this bot."
      : "Upscale is not set up on this bot.";
  }
  const original = originalsOf(interaction.message)[pressed.image - 1];
  if (!original) return `Image ${pressed.image} is not on this message any more.`;
  if (!services.trustedCdn(original.url)) {
    services.logger.warn(
      { url: original.url },
      "a result's attachment is not on Discord's CDN; not downloaded",
    );
    return "That image cannot be fetched from Discord right now.";
  }
  const taken = await takeInputImage(
    { inputs: services.inputs, maxBytes: services.actions.maxInputBytes, logger: services.logger },
    {
      url: original.url,
      declaredBytes: original.size,
      ownerId: interaction.user.id,
      settings,
      source: "result",
    },
  );
  if (!taken.ok) return taken.message;
  return pressed.action === "vary"
    ? varyRequest(entry, taken.ref, template, services.actions.varyDenoise)
    : upscaleRequest(entry, taken.ref, workflow);
}

function headerFor(
  action: Exclude<ResultVerb, "remix">,
  image: number,
  location: ChannelLocation,
  interaction: ButtonInteraction,
): string {
  const link = messageLink(location.guildId, interaction.channelId, interaction.message.id);
  const which = originalsOf(interaction.message).length > 1 ? ` (image ${image})` : "";
  const who = `<@${interaction.user.id}>`;
  switch (action) {
    case "reroll":
      return `🎲 Reroll of ${link} for ${who}`;
    case "vary":
      return `🔀 Variation of ${link}${which} for ${who}`;
    case "upscale":
      return `⬆️ Upscale of ${link}${which} for ${who}`;
  }
}

/** 🗑️ Delete: the owner, or a moderator of the result's channel; the message and its index entry go. */
async function deleteResult(
  interaction: ButtonInteraction,
  services: BotServices,
  entry: ResultEntry,
): Promise<void> {
  const userId = interaction.user.id;
  const byModerator =
    entry.userId !== userId &&
    (await mayModerateJobs(
      interaction.client,
      { guildId: entry.guildId, channelId: entry.channelId },
      userId,
    ));
  if (entry.userId !== userId && !byModerator) {
    await refuse(interaction, "Only the image's owner or a moderator can delete it.");
    return;
  }
  await interaction.reply({ content: "Deleted.", flags: MessageFlags.Ephemeral });
  await services.transport.delete(interaction.message.channelId, interaction.message.id);
  await services.results.remove(interaction.message.id);
  services.logger.info(
    { messageId: interaction.message.id, userId, guildId: entry.guildId, byModerator },
    "result deleted with its Delete button",
  );
}
