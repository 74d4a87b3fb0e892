import type { Logger } from "pino";
import { KeyLock } from "../concurrency/key-lock.js";
import type { ResultStore } from "../history/result-store.js";
import type { SettingsRepository } from "../moderation/settings-repository.js";
import type { BotMetrics } from "../ops/metrics.js";
import { applyQueueEvent } from "../presentation/apply-queue-event.js";
import { EditScheduler } from "../presentation/edit-scheduler.js";
import type { MessageView } from "../presentation/message-view.js";
import { renderJobView } from "../presentation/render-job-view.js";
import type { ResultActionSet } from "../presentation/result-buttons.js";
import { truncate } from "../presentation/truncate.js";
import type { QueuePort } from "../queue/queue-port.js";
import type { Job, SucceededJob } from "../queue/job.js";
import type { QueueEvent } from "../queue/queue-events.js";
import { classifyDiscordFailure, type DiscordFailure } from "./discord-failure.js";
import { moveToFreshMessage } from "./fresh-message.js";
import { isOldMessageEditCap, type MessageTarget, type MessageTransport } from "./message-transport.js";
import { recoverJobMessage, type RecoveredMessage } from "./recover-job-message.js";
import { ResultDelivery, storedMessage, type DeliveryOutcome } from "./result-delivery.js";
import { attachImages, TrackedJobs, type TrackedJob } from "./tracked-jobs.js";
import { viewToPayload } from "./view-to-payload.js";

/** Discord caps edits of messages older than an hour (30046): start long-waiting jobs on a fresh message. */
const freshMessageAfterMs = 55 * 60_000;

export interface JobMessagesOptions {
  queue: Pick<
    QueuePort,
    "subscribe" | "setMessages" | "delivered" | "undeliverable" | "undelivered" | "outputsOf" | "isForgotten"
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
  /** The buttons a job's result offers (`resultActionsFor`); none without it. */
  resultActions?: (job: Job) => ResultActionSet;
  /** Retry pacing of a result Discord keeps refusing with 5xx (see `ResultDelivery`). */
  delivery?: { retryWindowMs?: number; retryDelayMs?: (attempt: number) => number };
  now?: () => number;
}

/**
 * Keeps each job's Discord message in step with the queue: queue events fold into a view state,
 * the view is rendered, and the edit scheduler sends the latest one without tripping Discord's
 * rate limits. A succeeded job's final view carries the images and goes out through
 * `ResultDelivery`, which closes the job once Discord has it; then the bot adds its 🎲. Whatever
 * the outcome, a finished job's images leave memory.
 */
export class JobMessages {
  readonly #options: JobMessagesOptions;
  readonly #jobs: TrackedJobs;
  /**
   * Each job's events are handled one after another: handling awaits (settings, image fitting,
   * posting a fresh message), and a later event must not overtake an earlier one.
   */
  readonly #inOrder = new KeyLock();
  readonly #scheduler: EditScheduler;
  readonly #delivery: ResultDelivery;
  readonly #now: () => number;
  /**
   * Jobs admitted before this moment were admitted by an earlier run: one without a message then
   * lost it in a stop between admission and storing the message id, and is given one back
   * (`#recover`). Later ones are this run's own, whose reply is on its way (`attach`).
   */
  readonly #startedAt: number;
  readonly #unsubscribe: () => void;

  constructor(options: JobMessagesOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#startedAt = this.#now();
    this.#jobs = new TrackedJobs(options.settings, options.resultActions);
    this.#scheduler = new EditScheduler({
      minIntervalMs: options.editIntervalMs,
      channelEditsPerSecond: options.channelEditsPerSecond,
      logger: options.logger,
      now: this.#now,
      // A message that is gone, or the bot may no longer touch, is not worth another try.
      isRetryable: (error) => classifyDiscordFailure(error) !== "gone",
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
    return this.#jobs.jobForMessage(messageId);
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
    // In line with the job's events: one handled meanwhile must see the limit and the target.
    await this.#inOrder.run(job.id, async () => {
      const tracked = await this.#jobs.track(job);
      this.#jobs.point(job.id, tracked, target);
      if (options.header !== undefined) tracked.header = options.header;
      const limit = options.attachmentLimit;
      if (limit !== undefined && limit !== tracked.attachmentLimit) {
        tracked.attachmentLimit = limit;
        // The job finished before its reply existed: fit its images to this server's limit now.
        if (tracked.files) await attachImages(tracked, tracked.files);
      }
      await this.#options.queue.setMessages(job.id, [storedMessage(target)]);
      if (!tracked.pending) return;
      const { flush, final } = tracked.pending;
      tracked.pending = undefined;
      const view = renderJobView(tracked.state, {
        now: this.#now(),
        previews: tracked.previews,
        spoiler: tracked.spoiler,
      });
      this.#schedule(job.id, job.channelId, view, { flush, final });
    });
  }

  /**
   * Jobs reloaded after a restart: their messages are known from the store, and one stored without
   * its message gets it back (see `#recover`) so its member sees it waiting.
   */
  async resume(jobs: readonly Job[]): Promise<void> {
    for (const job of jobs) {
      if (job.messages.length > 0) await this.#jobs.track(job);
      else await this.#inOrder.run(job.id, async () => this.#showAgain(job));
    }
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
    for (const [jobId, tracked] of this.#jobs.entries()) {
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

  async #onEvent(event: QueueEvent): Promise<void> {
    const tracked = await this.#jobs.track(event.job);
    if (event.type === "preview" && !tracked.previews) return;
    const now = this.#now();
    const { state, phaseChanged } = applyQueueEvent(tracked.state, event, now, this.#options.backendLabel);
    tracked.state = { ...state, notice: this.#options.unreachableNotice?.() };
    if (event.type === "succeeded") await attachImages(tracked, event.files);
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
    // An earlier run's job whose message could not be found again at start: tried at each new phase.
    if (!tracked.target && this.#fromEarlierRun(event.job) && (phaseChanged || final))
      await this.#recover(event.job, tracked, view);
    if (!tracked.target) {
      tracked.pending = { view, flush: phaseChanged || final, final };
      return;
    }
    this.#schedule(event.job.id, event.job.channelId, view, { flush: phaseChanged || final, final });
  }

  async #redeliver(job: SucceededJob): Promise<void> {
    const tracked = await this.#jobs.track(job);
    const files = await this.#options.queue.outputsOf(job.id);
    if (!files) {
      this.#jobs.forget(job.id);
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
    await attachImages(tracked, files);
    const view = renderJobView(tracked.state, {
      now: this.#now(),
      previews: false,
      spoiler: tracked.spoiler,
    });
    if (!tracked.target) {
      const failure = await this.#recover(job, tracked, view);
      if (!tracked.target) {
        this.#jobs.forget(job.id);
        // Discord's own failure leaves it for the next start; a channel gone for good ends it.
        if (failure === "gone")
          await this.#options.queue.undeliverable(job.id, "its channel is gone or the bot lost access");
        return;
      }
    }
    this.#schedule(job.id, job.channelId, view, { flush: true, final: true });
  }

  async #showAgain(job: Job): Promise<void> {
    const tracked = await this.#jobs.track(job);
    if (tracked.target || !this.#fromEarlierRun(job)) return;
    const view = renderJobView(tracked.state, {
      now: this.#now(),
      previews: tracked.previews,
      spoiler: tracked.spoiler,
    });
    await this.#recover(job, tracked, view);
    if (!tracked.target) return;
    const pending = tracked.pending;
    tracked.pending = undefined;
    this.#schedule(job.id, job.channelId, pending?.view ?? view, {
      flush: true,
      final: pending?.final ?? false,
    });
  }

  #fromEarlierRun(job: Job): boolean {
    return job.createdAt < this.#startedAt;
  }

  /**
   * Gives a job an earlier run stored without its message a message again (`recoverJobMessage`)
   * and stores it; the caller then sends the view. Returns how Discord failed when it could not.
   */
  async #recover(job: Job, tracked: TrackedJob, view: MessageView): Promise<DiscordFailure | undefined> {
    const { logger } = this.#options;
    let recovered: RecoveredMessage;
    try {
      recovered = await recoverJobMessage(this.#options.transport, job, view.content);
    } catch (error) {
      logger.warn({ err: error, jobId: job.id }, "could not show a job whose message was not stored");
      return classifyDiscordFailure(error);
    }
    if (recovered.kind === "posted") tracked.header = recovered.header;
    this.#jobs.point(job.id, tracked, recovered.target);
    logger.info(
      { jobId: job.id, messageId: recovered.target.messageId, how: recovered.kind },
      "showing a job whose message was not stored",
    );
    try {
      await this.#options.queue.setMessages(job.id, [storedMessage(recovered.target)]);
    } catch (error) {
      // This run follows the message anyway; only another stop before the next write loses it.
      logger.error({ err: error, jobId: job.id }, "could not store the message of a recovered job");
    }
    return undefined;
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
          if (finished) this.#jobs.forget(jobId);
        }
        this.#options.metrics?.observeEditLatency((performance.now() - started) / 1000);
      },
      options,
    );
  }

  /** A progress (or failed, cancelled) state: an edit, moved to a new message past Discord's old-message cap. */
  async #send(jobId: string, tracked: TrackedJob, view: MessageView): Promise<void> {
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
      const fresh = await this.#options.transport.post(
        target.channelId,
        viewToPayload(withHeader(view, tracked.header)),
        target.messageId,
      );
      this.#jobs.point(jobId, tracked, fresh);
      await this.#options.queue.setMessages(jobId, [storedMessage(fresh)]);
    }
  }

  /** A succeeded job's result: delivered (or given up) whatever happens, then its images leave memory. */
  async #deliver(job: SucceededJob, tracked: TrackedJob, view: MessageView): Promise<void> {
    let outcome: DeliveryOutcome;
    try {
      outcome = await this.#delivery.deliver(
        job,
        tracked.target!,
        viewToPayload(withHeader(view, tracked.header)),
      );
    } finally {
      this.#jobs.forget(job.id);
    }
    if (outcome.kind !== "delivered") return;
    // The 🎲 shows members they can reroll with a reaction too; only the emoji is lost if it fails.
    const shown = outcome.target;
    try {
      await this.#options.transport.react(shown.channelId, shown.messageId, "🎲");
    } catch (error) {
      this.#options.logger.warn({ err: error, jobId: job.id }, "could not add the 🎲");
    }
  }

  async #moveToFresh(job: Job, tracked: TrackedJob): Promise<void> {
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
    this.#jobs.point(job.id, tracked, moved);
    await this.#options.queue.setMessages(job.id, [storedMessage(moved)]);
  }
}

function withHeader(view: MessageView, header: string | undefined): MessageView {
  return header === undefined ? view : { ...view, content: truncate(`${header}\n${view.content}`, 2000) };
}
