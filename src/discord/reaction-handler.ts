import {
  PermissionFlagsBits,
  type Client,
  type MessageReaction,
  type PartialMessageReaction,
  type PartialUser,
  type User,
} from "discord.js";
import { describeDecline } from "../presentation/describe-decline.js";
import { reroll } from "../app/reroll.js";
import { initialViewState } from "../presentation/apply-queue-event.js";
import { renderJobView } from "../presentation/render-job-view.js";
import { truncate } from "../presentation/truncate.js";
import type { BotServices } from "./bot-services.js";
import { unknownThreadParentNotice } from "../presentation/user-messages.js";
import { channelLocation } from "./channel-location.js";
import { postModLog } from "./mod-log.js";
import { mayModerateJobs } from "./moderation-rights.js";
import { viewToPayload } from "./view-to-payload.js";

export const rerollEmoji = "🎲";
export const cancelEmoji = "❌";
/** How long a refusal reply stays before the bot deletes it (an "ephemeral" answer to a reaction). */
const noticeLifetimeMs = 8_000;

/**
 * 🎲 and ❌ on the bot's messages. Works from the stored result index and the job table, so
 * reactions on messages from before a restart (arriving as partials) need no message fetch.
 */
export class ReactionHandler {
  readonly #client: Client;
  readonly #services: BotServices;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(client: Client, services: BotServices) {
    this.#client = client;
    this.#services = services;
  }

  async handle(reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser): Promise<void> {
    if (user.id === this.#client.user?.id || user.bot) return;
    const emoji = reaction.emoji.name;
    if (emoji !== rerollEmoji && emoji !== cancelEmoji) return;
    const message = reaction.message;
    if (!message.guildId) return;
    if (emoji === rerollEmoji) await this.#reroll(message.id, message.channelId, message.guildId, user.id);
    else await this.#cancelOrDelete(message.id, message.channelId, message.guildId, user.id);
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  async #reroll(messageId: string, channelId: string, guildId: string, userId: string): Promise<void> {
    const services = this.#services;
    const entry = await services.results.get(messageId);
    if (!entry) {
      if (await this.#isOwnMessage(channelId, messageId)) {
        await this.#notice(
          channelId,
          messageId,
          userId,
          `This result can no longer be rerolled: results are kept for ${services.retentionDays} days.`,
        );
      }
      return;
    }
    // A thread's parent, fetched when the thread is not cached: its rules apply (issue 13 item 8).
    const location = await channelLocation(this.#client, guildId, channelId);
    if (!location) {
      await this.#notice(channelId, messageId, userId, unknownThreadParentNotice);
      return;
    }
    const member = await this.#member(guildId, userId);
    const outcome = await reroll(services, {
      entry,
      userId,
      location,
      channelNsfw: this.#channelNsfw(channelId),
      roleIds: member ? [...member.roles.cache.keys()] : [],
    });
    if (outcome.kind === "not_allowed") {
      await this.#notice(channelId, messageId, userId, outcome.message);
      return;
    }
    // The answer first, the tidying after: reaction requests share a slow per-channel bucket.
    if (outcome.kind !== "accepted") {
      await this.#notice(channelId, messageId, userId, describeDecline(outcome, services.now()));
      await this.#removeReaction(channelId, messageId, rerollEmoji, userId);
      if (outcome.kind === "refused" && outcome.modLog)
        await postModLog(
          this.#client,
          services,
          { guildId, channelId: outcome.settings.values.modLogChannel },
          outcome.modLog,
        );
      return;
    }
    const link = `https://discord.com/channels/${guildId}/${channelId}/${messageId}`;
    const view = renderJobView(
      {
        ...initialViewState(outcome.job),
        position: outcome.position + 1,
        etaAt: services.now() + outcome.etaMs,
      },
      { now: services.now(), previews: false, spoiler: false },
    );
    // Kept above every later state too, so the finished reroll still links back to its original.
    const header = `🎲 Reroll of ${link} for <@${userId}>`;
    view.content = truncate(`${header}\n${view.content}`, 2000);
    let target;
    try {
      target = await services.transport.post(channelId, viewToPayload(view), messageId);
    } catch (error) {
      // No message means nobody could follow or cancel the job: it must not run unseen.
      await services.queue.cancel(outcome.job.id, { userId }).catch((cancelError: unknown) => {
        // The post's own error is rethrown below; this one only says the job may still run.
        services.logger.warn(
          { err: cancelError, jobId: outcome.job.id },
          "could not cancel a reroll whose message was refused; it may run without a message",
        );
      });
      throw error;
    }
    await services.jobMessages.attach(outcome.job, target, { header });
    await this.#removeReaction(channelId, messageId, rerollEmoji, userId);
  }

  async #cancelOrDelete(
    messageId: string,
    channelId: string,
    guildId: string,
    userId: string,
  ): Promise<void> {
    const services = this.#services;
    const moderator = await mayModerateJobs(this.#client, { guildId, channelId }, userId);
    const jobId = services.jobMessages.jobForMessage(messageId);
    if (jobId) {
      const decision = await services.queue.cancel(jobId, { userId, byModerator: moderator });
      if (decision.kind === "not_allowed") {
        await this.#notice(
          channelId,
          messageId,
          userId,
          "Only the job's owner or a moderator can cancel it.",
        );
      }
      await this.#removeReaction(channelId, messageId, cancelEmoji, userId);
      return;
    }
    const entry = await services.results.get(messageId);
    if (!entry) return;
    if (entry.userId !== userId && !moderator) {
      await this.#notice(
        channelId,
        messageId,
        userId,
        "Only the image's owner or a moderator can delete it.",
      );
      await this.#removeReaction(channelId, messageId, cancelEmoji, userId);
      return;
    }
    await services.transport.delete(channelId, messageId);
    await services.results.remove(messageId);
    services.logger.info(
      { messageId, userId, guildId, byModerator: entry.userId !== userId },
      "result deleted with ❌",
    );
  }

  /** A short reply that deletes itself: the nearest thing to an ephemeral answer to a reaction. */
  async #notice(channelId: string, messageId: string, userId: string, text: string): Promise<void> {
    try {
      const posted = await this.#services.transport.post(
        channelId,
        {
          body: { content: `<@${userId}> ${text}`.slice(0, 2000), allowed_mentions: { users: [userId] } },
          files: [],
        },
        messageId,
      );
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#services.transport.delete(channelId, posted.messageId).catch((error: unknown) => {
          // A notice left behind is untidy, not wrong.
          this.#services.logger.debug({ err: error, channelId }, "could not delete a reaction notice");
        });
      }, noticeLifetimeMs);
      timer.unref();
      this.#timers.add(timer);
    } catch (error) {
      this.#services.logger.warn({ err: error, channelId, userId }, "could not answer a reaction");
    }
  }

  async #removeReaction(channelId: string, messageId: string, emoji: string, userId: string): Promise<void> {
    if (!this.#botCan(channelId, PermissionFlagsBits.ManageMessages)) return;
    await this.#services.transport.unreact(channelId, messageId, emoji, userId).catch((error: unknown) => {
      // The member's reaction stays on the message; the request itself was answered.
      this.#services.logger.debug(
        { err: error, channelId, messageId },
        "could not remove a member's reaction",
      );
    });
  }

  async #isOwnMessage(channelId: string, messageId: string): Promise<boolean> {
    const channel = this.#client.channels.cache.get(channelId);
    if (!channel?.isTextBased()) return false;
    const message = await channel.messages.fetch(messageId).catch((error: unknown) => {
      // Unknown means "not ours": the member then gets no notice, which is the quiet side.
      this.#services.logger.debug({ err: error, channelId, messageId }, "could not fetch a reacted message");
      return undefined;
    });
    return message?.author.id === this.#client.user?.id;
  }

  async #member(guildId: string, userId: string) {
    const guild = this.#client.guilds.cache.get(guildId);
    return guild?.members.fetch(userId).catch((error: unknown) => {
      // Without the member, the reroll runs without their role grants: the stricter limits.
      this.#services.logger.debug({ err: error, guildId, userId }, "could not fetch the member who reacted");
      return undefined;
    });
  }

  #channelNsfw(channelId: string): boolean {
    const channel = this.#client.channels.cache.get(channelId);
    if (!channel) return false;
    if (channel.isThread()) return Boolean(channel.parent && "nsfw" in channel.parent && channel.parent.nsfw);
    return "nsfw" in channel && channel.nsfw === true;
  }

  #botCan(channelId: string, permission: bigint): boolean {
    const channel = this.#client.channels.cache.get(channelId);
    const me = this.#client.user?.id;
    if (!channel || channel.isDMBased() || !me) return false;
    return channel.permissionsFor(me)?.has(permission) ?? false;
  }
}
