import type { ButtonInteraction, ChatInputCommandInteraction, ModalSubmitInteraction } from "discord.js";
import type { GenerateOutcome } from "../app/generation-service.js";
import type { ChannelLocation } from "../moderation/settings-repository.js";
import { describeDecline } from "../presentation/describe-decline.js";
import type { BotServices } from "./bot-services.js";
import { postModLog } from "./mod-log.js";
import { messageLink, postJobMessage } from "./post-job-message.js";

/** An interaction the bot acknowledged with an ephemeral "thinking…" (`deferReply`). */
export type DeferredInteraction = ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction;

/**
 * The end of a deferred request for a job: a refusal replaces the ephemeral "thinking…" (and goes
 * to the mod log when it was a policy refusal); an accepted job gets its own channel message and
 * the ephemeral answer links to it.
 */
export async function answerWithJob(
  interaction: DeferredInteraction,
  services: BotServices,
  outcome: GenerateOutcome,
  where: { location: ChannelLocation; replyTo?: string | undefined; header: string },
): Promise<void> {
  const { location } = where;
  if (outcome.kind !== "accepted") {
    await interaction.editReply({ content: describeDecline(outcome, services.now()) });
    if (outcome.kind === "refused" && outcome.modLog) {
      await postModLog(
        interaction.client,
        services,
        { guildId: location.guildId, channelId: outcome.settings.values.modLogChannel },
        outcome.modLog,
      );
    }
    return;
  }
  const target = await postJobMessage(services, outcome, {
    channelId: location.channelId,
    replyTo: where.replyTo,
    header: where.header,
    userId: interaction.user.id,
  });
  await interaction.editReply({
    content: `Queued: ${messageLink(location.guildId, target.channelId, target.messageId)}`,
  });
}
