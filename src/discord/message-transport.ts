import { DiscordAPIError, RESTJSONErrorCodes, Routes, type Client, type RawFile } from "discord.js";
import type { Logger } from "pino";
import { KeyLock } from "../concurrency/key-lock.js";

/** Where a job's message lives and how it can be edited. */
export interface MessageTarget {
  channelId: string;
  messageId: string;
  /** Interaction token, usable until `tokenExpiresAt`; edits then move to the channel route. */
  interactionToken?: string | undefined;
  tokenExpiresAt?: number | undefined;
  /** When the message was posted: Discord caps edits of messages older than an hour. */
  postedAt?: number | undefined;
}

export interface RestPayload {
  body: Record<string, unknown>;
  files: RawFile[];
}

/** Discord error codes that mean "this interaction token can no longer be used". */
const tokenGone = new Set<number>([
  RESTJSONErrorCodes.InvalidWebhookToken,
  RESTJSONErrorCodes.UnknownWebhook,
  RESTJSONErrorCodes.UnknownInteraction,
]);
/** "Maximum number of edits to messages older than 1 hour reached." (A number, as `DiscordAPIError.code` is.) */
export const oldMessageEditCap: number =
  RESTJSONErrorCodes.MaximumNumberOfEditsToMessagesOlderThanOneHourReached;
/** Discord's reaction bucket is 1 request per 250 ms per channel; 50 ms of margin for clock skew. */
const reactionGapMs = 300;
/** Leave a minute of margin before the 15-minute token expires. */
const tokenMarginMs = 60_000;

export class TokenGoneError extends Error {
  override readonly name = "TokenGoneError";
}

/**
 * Edits and posts messages through discord.js's REST client (so its per-route buckets and 429
 * handling apply), choosing the interaction-token route while the token lives and the
 * bot-token channel route afterwards: a job that outlives its 15-minute token keeps its message.
 */
export class MessageTransport {
  readonly #client: Client;
  readonly #logger: Logger;
  readonly #now: () => number;
  /** The last reaction request of each channel: reactions there are sent one at a time. */
  readonly #reactionLocks = new KeyLock();
  /** When each channel's last reaction request finished (one number per channel the bot posts in). */
  readonly #reactionDoneAt = new Map<string, number>();

  constructor(client: Client, logger: Logger, now: () => number = Date.now) {
    this.#client = client;
    this.#logger = logger;
    this.#now = now;
  }

  /** Edits the message; returns the target to use next time (the token dropped once it is gone). */
  async edit(target: MessageTarget, payload: RestPayload): Promise<MessageTarget> {
    const applicationId = this.#client.application?.id ?? this.#client.user?.id;
    if (
      target.interactionToken &&
      applicationId &&
      this.#now() < (target.tokenExpiresAt ?? 0) - tokenMarginMs
    ) {
      try {
        await this.#client.rest.patch(
          Routes.webhookMessage(applicationId, target.interactionToken, "@original"),
          {
            body: payload.body,
            files: payload.files,
            auth: false,
          },
        );
        return target;
      } catch (error) {
        if (!(error instanceof DiscordAPIError) || !tokenGone.has(Number(error.code))) throw error;
        this.#logger.info(
          { code: error.code, messageId: target.messageId },
          "interaction token gone; editing through the channel",
        );
      }
    }
    const withoutToken: MessageTarget = {
      channelId: target.channelId,
      messageId: target.messageId,
      postedAt: target.postedAt,
    };
    await this.#client.rest.patch(Routes.channelMessage(target.channelId, target.messageId), {
      body: payload.body,
      files: payload.files,
    });
    return withoutToken;
  }

  /**
   * An interaction's reply (`@original`), found through its token while that lives: undefined when
   * Discord has none (the interaction was never answered, the reply was deleted, the token is gone).
   */
  async findReply(origin: {
    interactionToken: string;
    tokenExpiresAt: number;
  }): Promise<MessageTarget | undefined> {
    const applicationId = this.#client.application?.id ?? this.#client.user?.id;
    if (!applicationId || this.#now() >= origin.tokenExpiresAt - tokenMarginMs) return undefined;
    let message: { id: string; channel_id: string; timestamp?: string };
    try {
      message = (await this.#client.rest.get(
        Routes.webhookMessage(applicationId, origin.interactionToken, "@original"),
        { auth: false },
      )) as typeof message;
    } catch (error) {
      // 4xx: Discord says there is no such reply for this token; 5xx and network errors rethrow.
      if (error instanceof DiscordAPIError && error.status < 500) return undefined;
      throw error;
    }
    const postedAt = message.timestamp === undefined ? Number.NaN : Date.parse(message.timestamp);
    return {
      channelId: message.channel_id,
      messageId: message.id,
      interactionToken: origin.interactionToken,
      tokenExpiresAt: origin.tokenExpiresAt,
      ...(Number.isFinite(postedAt) ? { postedAt } : {}),
    };
  }

  /** Posts a new channel message (optionally as a reply) and returns its target. */
  async post(channelId: string, payload: RestPayload, replyTo?: string): Promise<MessageTarget> {
    const body = replyTo
      ? { ...payload.body, message_reference: { message_id: replyTo, fail_if_not_exists: false } }
      : payload.body;
    const message = (await this.#client.rest.post(Routes.channelMessages(channelId), {
      body,
      files: payload.files,
    })) as {
      id: string;
    };
    return { channelId, messageId: message.id, postedAt: this.#now() };
  }

  async delete(channelId: string, messageId: string): Promise<void> {
    await this.#client.rest.delete(Routes.channelMessage(channelId, messageId));
  }

  async react(channelId: string, messageId: string, emoji: string): Promise<void> {
    await this.#oneAtATime(channelId, async () => {
      await this.#client.rest.put(
        Routes.channelMessageOwnReaction(channelId, messageId, encodeURIComponent(emoji)),
      );
    });
  }

  async unreact(channelId: string, messageId: string, emoji: string, userId?: string): Promise<void> {
    const route = userId
      ? Routes.channelMessageUserReaction(channelId, messageId, encodeURIComponent(emoji), userId)
      : Routes.channelMessageOwnReaction(channelId, messageId, encodeURIComponent(emoji));
    await this.#oneAtATime(channelId, async () => {
      await this.#client.rest.delete(route);
    });
  }

  /**
   * Reaction routes share one tight bucket per channel (1 per 250 ms), but discord.js keeps its
   * rate-limit state per method and per learned bucket hash, so a DELETE after a PUT, or the first
   * request after the hash is learned, goes out as if the bucket were fresh and draws a 429 (and
   * after a 429 it lets a second queued request run beside the retry, which collides again). The
   * bench saw 9 to 33 429s per 100 jobs. Sending one reaction request per channel at a time, spaced
   * by the bucket's window, leaves discord.js nothing to send early.
   */
  async #oneAtATime(channelId: string, send: () => Promise<void>): Promise<void> {
    await this.#reactionLocks.run(channelId, async () => {
      const wait = (this.#reactionDoneAt.get(channelId) ?? -Infinity) + reactionGapMs - this.#now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, reactionGapMs)));
      try {
        await send();
      } finally {
        this.#reactionDoneAt.set(channelId, this.#now());
      }
    });
  }
}

export function isOldMessageEditCap(error: unknown): boolean {
  return error instanceof DiscordAPIError && Number(error.code) === oldMessageEditCap;
}
