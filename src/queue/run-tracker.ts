import type { Logger } from "pino";
import type { EtaModel } from "./eta-model.js";
import type { FairScheduler } from "./fair-scheduler.js";
import { isFinished, snapshotJob, type Job, type JobError } from "./job.js";
import { RunError, type Dispatcher, type RunEvent, type RunOutputs } from "./ports.js";
import type { QueueEvent, QueueEvents } from "./queue-events.js";
import type { QueueStore } from "./queue-store.js";

export type RunOutcome =
  | { state: "succeeded"; outputs: RunOutputs }
  | { state: "failed"; error: JobError }
  | { state: "cancelled"; byModerator: boolean };

/** What the dispatch loop and the run tracker need from the queue that owns them. */
export interface QueueHost {
  readonly scheduler: FairScheduler;
  readonly store: QueueStore;
  readonly events: QueueEvents;
  readonly eta: EtaModel;
  readonly dispatcher: Dispatcher;
  readonly logger: Logger;
  readonly now: () => number;
  readonly newId: () => string;
  readonly maxRequeues: number;
  /** False while shutting down. */
  canDispatch(): boolean;
  /** Moves a job to a final state: persist, then tell subscribers, then archive. */
  finish(job: Job, outcome: RunOutcome): Promise<void>;
  /** The waiting line changed. */
  changed(): void;
  /** A run settled: its slot is free, the queue may be idle. */
  runSettled(): void;
  /** A lost job went back in line (for stats). */
  requeued(): void;
}

interface Tracked {
  job: Job;
  backendId: string;
  controller: AbortController;
  settled: Promise<void>;
  detached: boolean;
  /** Events held back while the `running` state is being written, so `started` comes first. */
  held?: QueueEvent[];
  /** The write of the `running` state; outcomes wait for it so events keep their order. */
  runningSaved?: Promise<void>;
  firstProgress?: { at: number; value: number };
  lastProgress?: { at: number; value: number; max: number };
}

/** Without a `RunError`'s hint, codes that say "the prompt is gone through no fault of the job". */
const retryableCodes = new Set(["comfy_lost", "comfy_unreachable"]);

/**
 * Follows prompts handed to backends until they end, and turns what happens into job states and
 * events: `running` is saved before `started` is told; a lost prompt is requeued (up to
 * `maxRequeues`); anything else ends the job. Shutdown detaches without touching state.
 */
export class RunTracker {
  readonly #host: QueueHost;
  readonly #inflight = new Map<string, Tracked>();

  constructor(host: QueueHost) {
    this.#host = host;
  }

  get size(): number {
    return this.#inflight.size;
  }

  /** Follows a run; `attach` is for prompts submitted before a restart. */
  track(job: Job, backendId: string, mode: "run" | "attach"): void {
    const { dispatcher, logger } = this.#host;
    const controller = new AbortController();
    const tracked: Tracked = { job, backendId, controller, settled: Promise.resolve(), detached: false };
    this.#inflight.set(job.id, tracked);
    const ctx = { signal: controller.signal, onEvent: (event: RunEvent) => this.#onEvent(tracked, event) };
    let running: Promise<RunOutputs>;
    try {
      running =
        mode === "run"
          ? dispatcher.run(snapshotJob(job), backendId, ctx)
          : dispatcher.attach(snapshotJob(job), backendId, ctx);
    } catch (error) {
      running = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    tracked.settled = running
      .then(
        async (outputs) => this.#succeeded(tracked, outputs),
        async (error: unknown) => this.#failed(tracked, error),
      )
      .catch((error: unknown) => logger.error({ err: error, jobId: job.id }, "settling a run failed"))
      .finally(() => {
        this.#inflight.delete(job.id);
        this.#host.runSettled();
      });
  }

  /** Asks the backend to drop or interrupt the job's prompt (the job is already `cancelled`). */
  async cancelRemote(job: Job): Promise<void> {
    const tracked = this.#inflight.get(job.id);
    if (!tracked) return;
    try {
      await this.#host.dispatcher.cancel(snapshotJob(job), tracked.backendId);
    } catch (error) {
      this.#host.logger.warn({ err: error, jobId: job.id }, "could not cancel the prompt on its backend");
    }
  }

  /** Shutdown: stop following prompts without touching them on the server or in the store. */
  detachAll(): void {
    for (const tracked of this.#inflight.values()) {
      tracked.detached = true;
      tracked.controller.abort(new Error("the bot is shutting down"));
    }
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.#inflight.values()].map(async (tracked) => tracked.settled));
  }

  /** Expected time until every in-flight job is done, summed over backends. */
  remainingMs(): number {
    let total = 0;
    for (const tracked of this.#inflight.values()) total += this.#remaining(tracked);
    return total;
  }

  /** Expected time left of one in-flight job. */
  remainingOf(jobId: string): number | undefined {
    const tracked = this.#inflight.get(jobId);
    return tracked ? Math.round(this.#remaining(tracked)) : undefined;
  }

  #remaining(tracked: Tracked): number {
    const { eta, now } = this.#host;
    const expected = eta.expectedMs(tracked.job, tracked.backendId);
    const { firstProgress, lastProgress } = tracked;
    if (!lastProgress) {
      const started = tracked.job.startedAt;
      return started === undefined ? expected : Math.max(0, expected - (now() - started));
    }
    const measured =
      firstProgress && lastProgress.value > firstProgress.value
        ? (lastProgress.at - firstProgress.at) / (lastProgress.value - firstProgress.value)
        : undefined;
    const perStep = measured ?? eta.msPerStep(tracked.job, tracked.backendId) ?? expected / lastProgress.max;
    return Math.max(0, (lastProgress.max - lastProgress.value) * perStep);
  }

  #onEvent(tracked: Tracked, event: RunEvent): void {
    const { job } = tracked;
    if (tracked.detached || isFinished(job.state)) return;
    if (event.type !== "submitted" && job.state === "staged") this.#markRunning(tracked);
    const emit = (queueEvent: QueueEvent): void => {
      if (tracked.held) tracked.held.push(queueEvent);
      else this.#host.events.emit(queueEvent);
    };
    switch (event.type) {
      case "submitted":
      case "started":
        return;
      case "node":
        emit({ type: "node", job: snapshotJob(job), nodeId: event.nodeId, nodeType: event.nodeType });
        return;
      case "progress": {
        const at = this.#host.now();
        if (!tracked.firstProgress || event.value < (tracked.lastProgress?.value ?? 0)) {
          tracked.firstProgress = { at, value: event.value };
        }
        tracked.lastProgress = { at, value: event.value, max: event.max };
        const overall = event.overall ?? (event.max > 0 ? Math.min(1, event.value / event.max) : 0);
        const etaMs = this.#remaining(tracked);
        emit({ type: "progress", job: snapshotJob(job), value: event.value, max: event.max, overall, etaMs });
        return;
      }
      case "preview":
        emit({ type: "preview", job: snapshotJob(job), image: event.image, contentType: event.contentType });
        return;
    }
  }

  #markRunning(tracked: Tracked): void {
    const { job, backendId } = tracked;
    job.state = "running";
    job.startedAt = this.#host.now();
    tracked.held = [];
    const release = (): void => {
      const held = tracked.held ?? [];
      delete tracked.held;
      if (isFinished(job.state) || tracked.detached) return;
      this.#host.events.emit({ type: "started", job: snapshotJob(job), backend: backendId });
      for (const event of held) this.#host.events.emit(event);
    };
    tracked.runningSaved = this.#host.store.save(job).then(release, (error: unknown) => {
      this.#host.logger.error({ err: error, jobId: job.id }, "could not persist a running job");
      release();
    });
  }

  async #succeeded(tracked: Tracked, outputs: RunOutputs): Promise<void> {
    const { job, backendId } = tracked;
    await tracked.runningSaved;
    if (isFinished(job.state)) return;
    const { now, eta } = this.#host;
    const started = job.startedAt ?? job.stagedAt;
    const { firstProgress, lastProgress } = tracked;
    if (started !== undefined && !tracked.detached) {
      const msPerStep =
        firstProgress && lastProgress && lastProgress.value > firstProgress.value
          ? (lastProgress.at - firstProgress.at) / (lastProgress.value - firstProgress.value)
          : undefined;
      eta.learn(job, backendId, { durationMs: now() - started, msPerStep }, now());
    }
    await this.#host.finish(job, { state: "succeeded", outputs });
  }

  async #failed(tracked: Tracked, error: unknown): Promise<void> {
    const { job } = tracked;
    await tracked.runningSaved;
    // Cancelled by us (already final), or left for the next start to reattach.
    if (isFinished(job.state) || tracked.detached) return;
    const code = errorCode(error);
    const message = error instanceof Error ? error.message : String(error);
    const retryable = error instanceof RunError ? error.retryable : retryableCodes.has(code);
    if (!retryable) {
      if (code === "internal")
        this.#host.logger.error({ err: error, jobId: job.id }, "run failed without a code");
      await this.#host.finish(job, { state: "failed", error: { code, message } });
      return;
    }
    if (job.requeues >= this.#host.maxRequeues) {
      const tries = job.attempts === 1 ? "1 attempt" : `${job.attempts} attempts`;
      await this.#host.finish(job, {
        state: "failed",
        error: { code, message: `gave up after ${tries} (ComfyUI lost or dropped the job): ${message}` },
      });
      return;
    }
    await this.#requeue(job, { code, message });
  }

  async #requeue(job: Job, error: JobError): Promise<void> {
    const { store, scheduler, events, now } = this.#host;
    job.state = "queued";
    job.requeues++;
    job.queuedAt = now();
    delete job.backend;
    delete job.promptId;
    delete job.stagedAt;
    delete job.startedAt;
    await store.save(job);
    if (job.state !== "queued") return;
    scheduler.unshift(job);
    this.#host.requeued();
    events.emit({ type: "requeued", job: snapshotJob(job), error });
  }
}

function errorCode(error: unknown): string {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string") {
    return error.code;
  }
  return "internal";
}
