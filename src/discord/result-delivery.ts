import { DiscordAPIError, RESTJSONErrorCodes } from "discord.js";
import type { Logger } from "pino";
import type { ResultStore } from "../history/result-store.js";
import { describeJobError } from "../presentation/user-messages.js";
import type { QueuePort } from "../queue/queue-port.js";
import type { JobMessage, SucceededJob } from "../queue/job.js";
import { classifyDiscordFailure } from "./discord-failure.js";
import {
  isOldMessageEditCap,
  type MessageTarget,
  type MessageTransport,
  type RestPayload,
} from "./message-transport.js";

export interface ResultDeliveryOptions {
  queue: Pick<QueuePort, "delivered" | "undeliverable" | "isForgotten">;
  results: Pick<ResultStore, "record" | "remove">;
  transport: Pick<MessageTransport, "edit" | "post">;
  logger: Logger;
  now?: () => number;
  /** How long Discord or network failures are retried before the result waits for the next start. */
  retryWindowMs?: number;
  /** Pause before the n-th retry (1-based). */
  retryDelayMs?: (attempt: number) => number;
}

export type DeliveryOutcome =
  /** Posted: the job is closed as delivered, and its result indexed for 🎲 and `/history`. */
  | { kind: "delivered"; target: MessageTarget; movedFrom?: MessageTarget | undefined }
  /** It can never be posted (the channel is gone, the bot lost access): the job failed as undelivered. */
  | { kind: "undeliverable"; reason: string }
  /** Discord kept failing for the whole window, or the bot is stopping: the next start posts it. */
  | { kind: "postponed"; reason: string }
  /** Its member used `/forget-me` meanwhile: nothing is posted or stored about it. */
  | { kind: "forgotten" };

/** What a result's message says once its member used `/forget-me` before it was posted. */
const forgottenNotice: RestPayload = {
  body: {
    content: "✖ Cancelled: its owner asked the bot to forget their data.",
    embeds: [],
    attachments: [],
    components: [],
  },
  files: [],
};

const defaultRetryWindowMs = 10 * 60_000;
const defaultRetryDelayMs = (attempt: number): number => Math.min(30_000, 1000 * 2 ** (attempt - 1));

/**
 * Posts a succeeded job's result. Delivery is part of the job: the job is closed (`delivered`)
 * only once Discord has the message. A message Discord no longer lets the bot edit (deleted,
 * access lost, or over its old-message edit cap) is replaced by a new one in the channel; Discord's
 * own failures (5xx, a dropped connection) are retried with backoff for a while, and after that
 * the job stays succeeded, its files kept, for the next start. Never rejects.
 */
export class ResultDelivery {
  readonly #options: ResultDeliveryOptions;
  readonly #now: () => number;
  readonly #stopping = new AbortController();

  constructor(options: ResultDeliveryOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  async deliver(job: SucceededJob, target: MessageTarget, payload: RestPayload): Promise<DeliveryOutcome> {
    const { logger, queue } = this.#options;
    const deadline = this.#now() + (this.#options.retryWindowMs ?? defaultRetryWindowMs);
    // Indexed before it shows: a 🎲 added the moment the image appears must find it.
    await this.#index(job, target);
    let forgotten = false;
    for (let attempt = 1; ; attempt++) {
      // Checked before each attempt and after the last: a `/forget-me` that ran meanwhile either
      // deleted the member's links after this one was written, or tombstoned the job before a check.
      if (!forgotten && queue.isForgotten(job.id)) {
        forgotten = true;
        await this.#unindex(target);
      }
      let shown: { target: MessageTarget; movedFrom?: MessageTarget | undefined };
      try {
        // A forgotten job's message only says so (no image, no prompt), and only where it is.
        shown = forgotten
          ? { target: await this.#options.transport.edit(target, forgottenNotice) }
          : await this.#show(target, payload);
      } catch (error) {
        const failure = classifyDiscordFailure(error);
        const reason = error instanceof Error ? error.message : String(error);
        if (forgotten && failure !== "transient") return { kind: "forgotten" };
        if (failure !== "transient") {
          logger.error({ err: error, jobId: job.id, channelId: target.channelId }, "result cannot be posted");
          await this.#unindex(target);
          // Discord refused the message itself (too large, say): the message still exists, so it says so.
          if (failure === "refused") await this.#tellWhy(job, target, error);
          return this.#giveUp(job, reason);
        }
        const delay = (this.#options.retryDelayMs ?? defaultRetryDelayMs)(attempt);
        if (this.#stopping.signal.aborted || this.#now() + delay > deadline) {
          if (forgotten) return { kind: "forgotten" };
          logger.error(
            { err: error, jobId: job.id, attempts: attempt },
            "result not posted yet: Discord keeps failing; the next start posts it",
          );
          await this.#unindex(target);
          return { kind: "postponed", reason };
        }
        logger.warn(
          { err: error, jobId: job.id, attempt, retryInMs: delay },
          "posting the result failed; retrying",
        );
        await this.#sleep(delay);
        continue;
      }
      if (forgotten) return { kind: "forgotten" };
      if (shown.movedFrom) {
        await this.#index(job, shown.target);
        await this.#unindex(shown.movedFrom);
      }
      if (queue.isForgotten(job.id)) {
        // Posted as `/forget-me` ran: the image stays in the channel (as any posted one does), the link goes.
        await this.#unindex(shown.target);
        return { kind: "forgotten" };
      }
      await this.#close(job, shown.target);
      return { kind: "delivered", ...shown };
    }
  }

  /** Stops waiting between retries: deliveries in their backoff end as postponed. */
  stop(): void {
    this.#stopping.abort();
  }

  /** Edits the job's message, or posts a new one when that message can no longer be edited. */
  async #show(
    target: MessageTarget,
    payload: RestPayload,
  ): Promise<{ target: MessageTarget; movedFrom?: MessageTarget }> {
    try {
      return { target: await this.#options.transport.edit(target, payload) };
    } catch (error) {
      const capped = isOldMessageEditCap(error);
      if (!capped && classifyDiscordFailure(error) !== "gone") throw error;
      this.#options.logger.info(
        { err: error, messageId: target.messageId, channelId: target.channelId },
        "the job's message cannot be edited any more: posting the result as a new message",
      );
      // An old message still exists and is worth replying to; a deleted one is not.
      const posted = await this.#options.transport.post(
        target.channelId,
        payload,
        capped ? target.messageId : undefined,
      );
      return { target: posted, movedFrom: target };
    }
  }

  /** Replaces the job's progress with why its image is not shown; a failure here is only logged. */
  async #tellWhy(job: SucceededJob, target: MessageTarget, error: unknown): Promise<void> {
    const tooLarge =
      error instanceof DiscordAPIError && error.code === Number(RESTJSONErrorCodes.RequestEntityTooLarge);
    const content = tooLarge
      ? "✖ The image is larger than this server lets the bot upload, so it could not be posted."
      : `✖ ${describeJobError({ code: "undelivered", message: "refused by Discord" })}`;
    try {
      await this.#options.transport.edit(target, {
        body: { content, embeds: [], attachments: [], components: [] },
        files: [],
      });
    } catch (notice) {
      this.#options.logger.warn({ err: notice, jobId: job.id }, "could not say why a result is not posted");
    }
  }

  /** The result is on Discord: the job is closed. */
  async #close(job: SucceededJob, target: MessageTarget): Promise<void> {
    try {
      await this.#options.queue.delivered(job.id, [storedMessage(target)]);
    } catch (error) {
      // The member sees the result; only a restart before this is stored would post it again.
      this.#options.logger.error({ err: error, jobId: job.id }, "could not store that a result was posted");
    }
  }

  /** `message id → what made the image`, for 🎲 and `/history`. */
  async #index(job: SucceededJob, target: MessageTarget): Promise<void> {
    const { results, logger } = this.#options;
    try {
      await results.record({
        messageId: target.messageId,
        channelId: target.channelId,
        guildId: job.guildId,
        userId: job.userId,
        jobId: job.id,
        workflow: job.workflow,
        request: job.request,
        params: job.params,
        createdAt: this.#now(),
      });
    } catch (error) {
      // The image still goes out; only 🎲 and `/history` will not know it.
      logger.error({ err: error, jobId: job.id, messageId: target.messageId }, "could not index a result");
    }
  }

  /** The message will not show the result after all (it moved, or nothing could be posted). */
  async #unindex(target: MessageTarget): Promise<void> {
    try {
      await this.#options.results.remove(target.messageId);
    } catch (error) {
      // A 🎲 on that message would reroll a job whose image it does not show; harmless.
      this.#options.logger.warn({ err: error, messageId: target.messageId }, "could not unindex a message");
    }
  }

  async #giveUp(job: SucceededJob, reason: string): Promise<DeliveryOutcome> {
    try {
      await this.#options.queue.undeliverable(job.id, reason);
    } catch (error) {
      // The job stays succeeded and a restart tries once more; nothing else is lost.
      this.#options.logger.error(
        { err: error, jobId: job.id },
        "could not store that a result cannot be posted",
      );
    }
    return { kind: "undeliverable", reason };
  }

  async #sleep(ms: number): Promise<void> {
    const signal = this.#stopping.signal;
    if (signal.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    });
  }
}

/** What the queue stores of a message target, so a restarted bot edits the same message the same way. */
export function storedMessage(target: MessageTarget): JobMessage {
  return {
    channelId: target.channelId,
    messageId: target.messageId,
    ...(target.interactionToken && target.tokenExpiresAt !== undefined
      ? { interactionToken: target.interactionToken, tokenExpiresAt: target.tokenExpiresAt }
      : {}),
    ...(target.postedAt !== undefined ? { postedAt: target.postedAt } : {}),
  };
}
