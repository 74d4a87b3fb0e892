import { DiscordAPIError, RESTJSONErrorCodes } from "discord.js";
import type { Logger } from "pino";
import { KeyLock } from "../concurrency/key-lock.js";
import type { ResultStore } from "../history/result-store.js";
import { fitAttachments } from "../images/fit-attachments.js";
import type { SettingsRepository } from "../moderation/settings-repository.js";
import type { BotMetrics } from "../ops/metrics.js";
import { applyQueueEvent, initialViewState } from "../presentation/apply-queue-event.js";
import { EditScheduler } from "../presentation/edit-scheduler.js";
import type { JobViewState } from "../presentation/job-view-state.js";
import type { MessageView } from "../presentation/message-view.js";
import { renderJobView } from "../presentation/render-job-view.js";
import { truncate } from "../presentation/truncate.js";
import type { RunOutputFile } from "../queue/dispatcher.js";
import type { JobQueue } from "../queue/job-queue.js";
import type { FinishedJob, Job, SucceededJob } from "../queue/job.js";
import type { QueueEvent } from "../queue/queue-events.js";
import { moveToFreshMessage } from "./fresh-message.js";
import { isOldMessageEditCap, type MessageTarget, type MessageTransport } from "./message-transport.js";
import { ResultDelivery, storedMessage, type DeliveryOutcome } from "./result-delivery.js";
import { viewToPayload } from "./view-to-payload.js";

const defaultAttachmentLimit = 10 * 1024 * 1024;
/** Discord caps edits of messages older than an hour (30046): start long-waiting jobs on a fresh message. */
const freshMessageAfterMs = 55 * 60_000;

/** Errors no retry of a progress edit can fix. */
const hopelessEditCodes: ReadonlySet<number> = new Set([
  RESTJSONErrorCodes.UnknownChannel,
  RESTJSONErrorCodes.UnknownMessage,
  RESTJSONErrorCodes.MissingAccess,
  RESTJSONErrorCodes.MissingPermissions,
]);

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
  /** The finished job: its result is delivered, or its failure shown, by the final edit. */
  finished?: FinishedJob | undefined;
}

export interface JobMessagesOptions {
  queue: Pick<
    JobQueue,
    "subscribe" | "setMessages" | "delivered" | "undeliverable" | "undelivered" | "outputsOf"
  >;
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
  /** Retry pacing of a result Discord keeps refusing with 5xx (see `ResultDelivery`). */
  delivery?: { retryWindowMs?: number; retryDelayMs?: (attempt: number) => number };
  now?: () => number;
}

/**
 * Keeps each job's Discord message in step with the queue: queue events fold into a view state,
 * the view is rendered, and the edit scheduler sends the latest one without tripping Discord's
 * rate limits. A succeeded job's final view carries the images and goes out through
 * `ResultDelivery`, which closes the job once Discord has it; then the bot's reactions are
 * switched from ❌ to 🎲. Whatever the outcome, a finished job's images leave memory.
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
  readonly #delivery: ResultDelivery;
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
      isRetryable: (error) =>
        !(error instanceof DiscordAPIError && hopelessEditCodes.has(Number(error.code))),
      onError: (error, info) => options.logger.warn({ err: error, ...info }, "progress edit failed"),
    });
    this.#delivery = new ResultDelivery({
      queue: options.queue,
      results: options.results,
      transport: options.transport,
      logger: options.logger,
      now: this.#now,
      ...options.delivery,
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

  /** Jobs whose message is still followed (their views, images included, are in memory). */
  get trackedCount(): number {
    return this.#jobs.size;
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
   * Posts the results a previous run could not (a crash, a long Discord outage): from the files
   * the queue kept, to the job's message, or a new one when that is gone.
   */
  async redeliver(): Promise<void> {
    for (const job of this.#options.queue.undelivered()) {
      await this.#inOrder.run(job.id, async () => this.#redeliver(job));
    }
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

  /** Stops: deliveries waiting to retry end as postponed (the next start posts them). */
  close(): void {
    this.#unsubscribe();
    this.#delivery.stop();
    this.#scheduler.close();
  }

  async #track(job: Job): Promise<Tracked> {
    const existing = this.#jobs.get(job.id);
    if (existing) return existing;
    const settings = await this.#options.settings.resolve({
      guildId: job.guildId,
      channelId: job.channelId,
      ...(job.parentChannelId === undefined ? {} : { parentId: job.parentChannelId }),
    });
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
    if (event.type === "succeeded") await this.#attachImages(tracked, event.files);
    const final = event.type === "succeeded" || event.type === "failed" || event.type === "cancelled";
    if (final) tracked.finished = event.job;
    if (
      event.type === "started" &&
      tracked.target?.postedAt !== undefined &&
      now - tracked.target.postedAt > freshMessageAfterMs
    ) {
      await this.#moveToFresh(event.job, tracked);
    }
    const view = renderJobView(tracked.state, { now, previews: tracked.previews, spoiler: tracked.spoiler });
    if (!tracked.target) {
      tracked.pending = { view, flush: phaseChanged || final, final };
      return;
    }
    this.#schedule(event.job.id, event.job.channelId, view, { flush: phaseChanged || final, final });
  }

  async #redeliver(job: SucceededJob): Promise<void> {
    const tracked = await this.#track(job);
    const files = await this.#options.queue.outputsOf(job.id);
    if (!files) {
      this.#jobs.delete(job.id);
      this.#options.logger.error({ jobId: job.id }, "a result to post again has no kept files");
      await this.#options.queue.undeliverable(
        job.id,
        "its image files were not kept (the output folder was emptied?)",
      );
      return;
    }
    const { state } = applyQueueEvent(tracked.state, { type: "succeeded", job, files }, this.#now());
    tracked.state = state;
    tracked.finished = job;
    await this.#attachImages(tracked, files);
    const view = renderJobView(tracked.state, {
      now: this.#now(),
      previews: false,
      spoiler: tracked.spoiler,
    });
    if (!tracked.target) {
      this.#jobs.delete(job.id);
      await this.#options.queue.undeliverable(job.id, "it never had a message to post to");
      return;
    }
    this.#schedule(job.id, job.channelId, view, { flush: true, final: true });
  }

  async #attachImages(tracked: Tracked, files: readonly RunOutputFile[]): Promise<void> {
    const fitted = await fitAttachments(
      files.map((file) => ({
        name: file.filename.split("/").pop() ?? file.filename,
        bytes: Buffer.from(file.data),
        mime: file.contentType ?? "image/png",
      })),
      tracked.attachmentLimit,
    );
    tracked.state = { ...tracked.state, images: fitted.images, convertedNote: fitted.note };
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
        const finished = options.final && latest.phase === view.phase ? tracked.finished : undefined;
        if (finished?.state === "succeeded") {
          await this.#deliver(finished, tracked, latest);
        } else {
          await this.#send(jobId, tracked, latest);
          if (finished) await this.#afterFinal(jobId, tracked);
        }
        this.#options.metrics?.observeEditLatency((performance.now() - started) / 1000);
      },
      options,
    );
  }

  /** A progress (or failed, cancelled) state: an edit, moved to a new message past Discord's old-message cap. */
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

  /** A succeeded job's result: delivered (or given up) whatever happens, then its images leave memory. */
  async #deliver(job: SucceededJob, tracked: Tracked, view: MessageView): Promise<void> {
    const target = tracked.target!;
    let outcome: DeliveryOutcome;
    try {
      outcome = await this.#delivery.deliver(job, target, viewToPayload(withHeader(view, tracked.header)));
    } finally {
      this.#forget(job.id);
    }
    if (outcome.kind !== "delivered") return;
    const transport = this.#options.transport;
    const shown = outcome.target;
    if (!outcome.movedFrom)
      await this.#quietly("remove the ❌", transport.unreact(shown.channelId, shown.messageId, "❌"));
    await this.#quietly("add the 🎲", transport.react(shown.channelId, shown.messageId, "🎲"));
  }

  async #afterFinal(jobId: string, tracked: Tracked): Promise<void> {
    const target = tracked.target;
    this.#forget(jobId);
    if (target)
      await this.#quietly(
        "remove the ❌",
        this.#options.transport.unreact(target.channelId, target.messageId, "❌"),
      );
  }

  async #moveToFresh(job: Job, tracked: Tracked): Promise<void> {
    const view = renderJobView(tracked.state, {
      now: this.#now(),
      previews: false,
      spoiler: tracked.spoiler,
    });
    const moved = await moveToFreshMessage({
      transport: this.#options.transport,
      logger: this.#options.logger,
      job,
      old: tracked.target!,
      payload: viewToPayload(withHeader(view, tracked.header)),
    });
    if (!moved) return;
    tracked.target = moved;
    this.#byMessage.set(moved.messageId, job.id);
    await this.#options.queue.setMessages(job.id, [storedMessage(moved)]);
  }

  /** The job's message is no longer followed: its state and images leave memory. */
  #forget(jobId: string): void {
    this.#jobs.delete(jobId);
    for (const [messageId, id] of this.#byMessage) if (id === jobId) this.#byMessage.delete(messageId);
  }

  /** Reaction housekeeping: a failure costs only the emoji, so it is logged and the job goes on. */
  async #quietly(what: string, work: Promise<void>): Promise<void> {
    try {
      await work;
    } catch (error) {
      this.#options.logger.warn({ err: error }, `could not ${what}`);
    }
  }
}

function withHeader(view: MessageView, header: string | undefined): MessageView {
  return header === undefined ? view : { ...view, content: truncate(`${header}\n${view.content}`, 2000) };
}
