import { DiscordAPIError, RESTJSONErrorCodes } from "discord.js";
import type { Logger } from "pino";
import { KeyLock } from "../concurrency/key-lock.js";
import { fitAttachments } from "../images/fit-attachments.js";
import type { SettingsRepository } from "../moderation/settings-repository.js";
import type { BotMetrics } from "../ops/metrics.js";
import { applyQueueEvent, initialViewState } from "../presentation/apply-queue-event.js";
import { EditScheduler } from "../presentation/edit-scheduler.js";
import type { JobViewState } from "../presentation/job-view-state.js";
import type { MessageView } from "../presentation/message-view.js";
import { renderJobView } from "../presentation/render-job-view.js";
import { truncate } from "../presentation/truncate.js";
import type { Job, JobMessage } from "../queue/job.js";
import type { JobQueue } from "../queue/job-queue.js";
import type { QueueEvent } from "../queue/queue-events.js";
import type { ResultStore } from "../history/result-store.js";
import { isOldMessageEditCap, type MessageTarget, type MessageTransport } from "./message-transport.js";
import { viewToPayload } from "./view-to-payload.js";

const defaultAttachmentLimit = 10 * 1024 * 1024;
/** The message or channel is gone, or the bot may no longer see or write there: retrying cannot help. */
const notRetryable = new Set<number>([
  RESTJSONErrorCodes.UnknownChannel,
  RESTJSONErrorCodes.UnknownMessage,
  RESTJSONErrorCodes.MissingAccess,
  RESTJSONErrorCodes.MissingPermissions,
]);
/** Discord caps edits of messages older than an hour (30046): start long-waiting jobs on a fresh message. */
const freshMessageAfterMs = 55 * 60_000;

interface Tracked {
  state: JobViewState;
  target: MessageTarget | undefined;
  /** The view to send once the message exists (the job may progress before the reply lands). */
  pending: { view: MessageView; flush: boolean; final: boolean } | undefined;
  attachmentLimit: number;
  previews: boolean;
  spoiler: boolean;
  /** A line kept above every state of the message (a reroll's link back to the original). */
  header?: string | undefined;
  /** The finished job, for the result index and reactions after the final edit. */
  finished?: Job | undefined;
}

export interface JobMessagesOptions {
  queue: Pick<JobQueue, "subscribe" | "setMessages">;
  transport: MessageTransport;
  settings: SettingsRepository;
  results: ResultStore;
  logger: Logger;
  editIntervalMs: number;
  channelEditsPerSecond: number;
  backendLabel?: (id: string) => string;
  metrics?: BotMetrics | undefined;
  /** Words for waiting members while no image server is reachable (undefined when one is). */
  unreachableNotice?: () => string | undefined;
  now?: () => number;
}

/**
 * Keeps each job's Discord message in step with the queue: queue events fold into a view state,
 * the view is rendered, and the edit scheduler sends the latest one without tripping Discord's
 * rate limits. The final view carries the images; then the result is indexed for 🎲 and the
 * bot's reactions are switched from ❌ to 🎲.
 */
export class JobMessages {
  readonly #options: JobMessagesOptions;
  readonly #jobs = new Map<string, Tracked>();
  /** Message id → job id, for ❌ on an unfinished job's message. */
  readonly #byMessage = new Map<string, string>();
  /**
   * Each job's events are handled one after another: handling awaits (settings, image fitting,
   * posting a fresh message), and a later event must not overtake an earlier one.
   */
  readonly #inOrder = new KeyLock();
  readonly #scheduler: EditScheduler;
  readonly #now: () => number;
  readonly #unsubscribe: () => void;

  constructor(options: JobMessagesOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#scheduler = new EditScheduler({
      minIntervalMs: options.editIntervalMs,
      channelEditsPerSecond: options.channelEditsPerSecond,
      logger: options.logger,
      now: this.#now,
      isRetryable: (error) => !(error instanceof DiscordAPIError && notRetryable.has(Number(error.code))),
      onError: (error, info) => options.logger.warn({ err: error, ...info }, "progress edit failed"),
    });
    // A rejection goes back to the queue's event fan-out, which logs it with the event.
    this.#unsubscribe = options.queue.subscribe(async (event) =>
      this.#inOrder.run(event.job.id, async () => this.#onEvent(event)),
    );
  }

  /** The job shown by this message, while it is unfinished. */
  jobForMessage(messageId: string): string | undefined {
    return this.#byMessage.get(messageId);
  }

  /** Called once the reply to `/generate` (or a reroll's message) exists. */
  async attach(
    job: Job,
    target: MessageTarget,
    options: { attachmentLimit?: number | undefined; header?: string | undefined } = {},
  ): Promise<void> {
    const tracked = await this.#track(job);
    tracked.target = target;
    if (options.attachmentLimit !== undefined) tracked.attachmentLimit = options.attachmentLimit;
    if (options.header !== undefined) tracked.header = options.header;
    this.#byMessage.set(target.messageId, job.id);
    await this.#options.queue.setMessages(job.id, [storedMessage(target)]);
    if (tracked.pending) {
      const { view, flush, final } = tracked.pending;
      tracked.pending = undefined;
      this.#schedule(job.id, job.channelId, view, { flush, final });
    }
  }

  /** Jobs reloaded after a restart: their messages are known from the store. */
  async resume(jobs: readonly Job[]): Promise<void> {
    for (const job of jobs) if (job.messages.length > 0) await this.#track(job);
  }

  /**
   * Re-renders every waiting job's message after an image server went away or came back, so
   * members see "unreachable, your job stays queued" (or see it cleared) without a queue event.
   */
  refreshWaiting(): void {
    const now = this.#now();
    const notice = this.#options.unreachableNotice?.();
    for (const [jobId, tracked] of this.#jobs) {
      if (tracked.state.phase !== "queued" || tracked.state.notice === notice || !tracked.target) continue;
      tracked.state = { ...tracked.state, notice };
      const view = renderJobView(tracked.state, {
        now,
        previews: tracked.previews,
        spoiler: tracked.spoiler,
      });
      this.#schedule(jobId, tracked.target.channelId, view, { flush: true, final: false });
    }
  }

  async settled(): Promise<void> {
    await this.#scheduler.settled();
  }

  close(): void {
    this.#unsubscribe();
    this.#scheduler.close();
  }

  async #track(job: Job): Promise<Tracked> {
    const existing = this.#jobs.get(job.id);
    if (existing) return existing;
    const settings = await this.#options.settings.resolve({ guildId: job.guildId, channelId: job.channelId });
    const again = this.#jobs.get(job.id);
    if (again) return again;
    // A job recovered after a restart already knows its message.
    const known = job.messages[0];
    if (known) this.#byMessage.set(known.messageId, job.id);
    const tracked: Tracked = {
      state: initialViewState(job),
      target: known ? { ...known } : undefined,
      pending: undefined,
      attachmentLimit: defaultAttachmentLimit,
      previews: settings.values.previews,
      spoiler: settings.values.spoilerResults,
    };
    this.#jobs.set(job.id, tracked);
    return tracked;
  }

  async #onEvent(event: QueueEvent): Promise<void> {
    const tracked = await this.#track(event.job);
    if (event.type === "preview" && !tracked.previews) return;
    const now = this.#now();
    const { state, phaseChanged } = applyQueueEvent(tracked.state, event, now, this.#options.backendLabel);
    tracked.state = { ...state, notice: this.#options.unreachableNotice?.() };
    if (event.type === "succeeded") {
      const fitted = await fitAttachments(
        event.files.map((file) => ({
          name: file.filename.split("/").pop() ?? file.filename,
          bytes: Buffer.from(file.data),
          mime: file.contentType ?? "image/png",
        })),
        tracked.attachmentLimit,
      );
      tracked.state = { ...tracked.state, images: fitted.images, convertedNote: fitted.note };
      tracked.finished = event.job;
    }
    if (event.type === "failed" || event.type === "cancelled") tracked.finished = event.job;
    if (
      event.type === "started" &&
      tracked.target?.postedAt !== undefined &&
      now - tracked.target.postedAt > freshMessageAfterMs
    ) {
      await this.#moveToFreshMessage(event.job, tracked);
    }
    const final = event.type === "succeeded" || event.type === "failed" || event.type === "cancelled";
    const view = renderJobView(tracked.state, { now, previews: tracked.previews, spoiler: tracked.spoiler });
    if (!tracked.target) {
      tracked.pending = { view, flush: phaseChanged || final, final };
      return;
    }
    this.#schedule(event.job.id, event.job.channelId, view, { flush: phaseChanged || final, final });
  }

  #schedule(
    jobId: string,
    channelId: string,
    view: MessageView,
    options: { flush: boolean; final: boolean },
  ): void {
    this.#scheduler.update(
      { key: jobId, channelId },
      view,
      async (latest) => {
        const tracked = this.#jobs.get(jobId);
        if (!tracked?.target) return;
        const started = performance.now();
        await this.#send(jobId, tracked, latest);
        this.#options.metrics?.observeEditLatency((performance.now() - started) / 1000);
        if (options.final && latest.phase === view.phase) await this.#afterFinal(jobId, tracked);
      },
      options,
    );
  }

  async #send(jobId: string, tracked: Tracked, view: MessageView): Promise<void> {
    const target = tracked.target!;
    try {
      const next = await this.#options.transport.edit(
        target,
        viewToPayload(withHeader(view, tracked.header)),
      );
      // Only if nothing moved the job meanwhile (a fresh message for an hour-old one): an edit that
      // was in flight must not point the job back at the message it left.
      if (tracked.target === target && next.interactionToken !== target.interactionToken) {
        tracked.target = next;
        await this.#options.queue.setMessages(jobId, [storedMessage(next)]);
      }
    } catch (error) {
      if (!isOldMessageEditCap(error)) throw error;
      // Discord will not edit this old message again: continue on a new one.
      tracked.target = await this.#options.transport.post(
        target.channelId,
        viewToPayload(withHeader(view, tracked.header)),
        target.messageId,
      );
      this.#byMessage.set(tracked.target.messageId, jobId);
      await this.#options.queue.setMessages(jobId, [storedMessage(tracked.target)]);
    }
  }

  async #moveToFreshMessage(job: Job, tracked: Tracked): Promise<void> {
    const old = tracked.target!;
    const view = renderJobView(tracked.state, {
      now: this.#now(),
      previews: false,
      spoiler: tracked.spoiler,
    });
    try {
      tracked.target = await this.#options.transport.post(
        old.channelId,
        viewToPayload(withHeader(view, tracked.header)),
        old.messageId,
      );
      this.#byMessage.set(tracked.target.messageId, job.id);
      await this.#options.queue.setMessages(job.id, [storedMessage(tracked.target)]);
      // One last, best-effort edit points the old message at the new one.
      const link = `https://discord.com/channels/${job.guildId}/${old.channelId}/${tracked.target.messageId}`;
      await this.#options.transport
        .edit(old, {
          body: {
            content: `⏩ Continued in a new message: ${link}`,
            embeds: [],
            attachments: [],
            components: [],
          },
          files: [],
        })
        .catch(() => undefined);
      await this.#options.transport
        .react(tracked.target.channelId, tracked.target.messageId, "❌")
        .catch(() => undefined);
    } catch (error) {
      this.#options.logger.warn({ err: error, jobId: job.id }, "could not post a fresh progress message");
    }
  }

  async #afterFinal(jobId: string, tracked: Tracked): Promise<void> {
    const target = tracked.target;
    const job = tracked.finished;
    this.#jobs.delete(jobId);
    if (!target || !job) return;
    for (const [messageId, id] of this.#byMessage) if (id === jobId) this.#byMessage.delete(messageId);
    const transport = this.#options.transport;
    await transport.unreact(target.channelId, target.messageId, "❌").catch(() => undefined);
    if (job.state !== "succeeded") return;
    await this.#options.results.record({
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
    await transport.react(target.channelId, target.messageId, "🎲").catch((error: unknown) => {
      this.#options.logger.warn({ err: error, jobId }, "could not add the 🎲 reaction");
    });
  }
}

function withHeader(view: MessageView, header: string | undefined): MessageView {
  return header === undefined ? view : { ...view, content: truncate(`${header}\n${view.content}`, 2000) };
}

/** What the queue persists of a message target, so a restarted bot edits the same message the same way. */
function storedMessage(target: MessageTarget): JobMessage {
  return {
    channelId: target.channelId,
    messageId: target.messageId,
    ...(target.interactionToken && target.tokenExpiresAt !== undefined
      ? { interactionToken: target.interactionToken, tokenExpiresAt: target.tokenExpiresAt }
      : {}),
    ...(target.postedAt !== undefined ? { postedAt: target.postedAt } : {}),
  };
}
