import { MessageFlags, type Attachment, type ChatInputCommandInteraction } from "discord.js";
import { takeInputImage } from "../app/take-input-image.js";
import type { ChannelLocation } from "../moderation/settings-repository.js";
import type { RequestInput } from "../request/generation-request.js";
import { answerWithJob } from "../discord/answer-with-job.js";
import type { BotServices } from "../discord/bot-services.js";
import { channelIsNsfw, roleIdsOf } from "../discord/interaction-context.js";

/**
 * `/generate image:<attachment>`: what can be refused from Discord's own description of the file
 * (the channel's `imageInput`, its size) is refused at once; then, behind an ephemeral "thinking…",
 * the picture is downloaded, checked by its bytes, kept, and the job gets its own message. Every
 * refusal is ephemeral and names the limit.
 */
export async function generateFromImage(
  interaction: ChatInputCommandInteraction,
  services: BotServices,
  location: ChannelLocation,
  attachment: Attachment,
  request: RequestInput,
): Promise<void> {
  const settings = await services.settings.resolve(location);
  const deps = { inputs: services.inputs, maxBytes: services.actions.maxInputBytes, logger: services.logger };
  const picture = {
    url: attachment.url,
    declaredBytes: attachment.size,
    ownerId: interaction.user.id,
    settings: settings.values,
    source: "attachment" as const,
  };
  if (!services.trustedCdn(attachment.url)) {
    await interaction.reply({
      content: "That attachment is not on Discord's CDN, so the bot does not fetch it.",
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  if (!settings.values.imageInput || attachment.size > deps.maxBytes) {
    // Refused from Discord's description alone: `takeInputImage` answers these before downloading.
    const refused = await takeInputImage(deps, picture);
    if (!refused.ok) {
      await interaction.reply({ content: refused.message, flags: MessageFlags.Ephemeral });
      return;
    }
  }
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const taken = await takeInputImage(deps, picture);
  if (!taken.ok) {
    await interaction.editReply({ content: taken.message });
    return;
  }
  const outcome = await services.generation.generate({
    userId: interaction.user.id,
    location,
    channelNsfw: channelIsNsfw(interaction),
    roleIds: roleIdsOf(interaction.member),
    request: { ...request, image: taken.ref },
  });
  await answerWithJob(interaction, services, outcome, {
    location,
    header: `🖼️ <@${interaction.user.id}> started from an image (${taken.width}×${taken.height})`,
  });
}
