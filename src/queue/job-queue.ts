import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { defaults } from "../config/defaults.js";
import type { Store } from "../store/store.js";
import type {
  AdmissionDecision,
  AdmissionRequest,
  CancelDecision,
  CancelRequest,
  PolicyVerdict,
} from "./admission.js";
import { AdmissionGate } from "./admission-gate.js";
import { EtaModel, type EtaModelOptions } from "./eta-model.js";
import { FairScheduler } from "./fair-scheduler.js";
import { isFinished, newJob, snapshotJob, type Job, type JobMessage } from "./job.js";
import { JobBook } from "./job-book.js";
import { DispatchLoop } from "./dispatch-loop.js";
import type { Dispatcher } from "./ports.js";
import { PositionNotifier } from "./position-notifier.js";
import { QueueEta } from "./queue-eta.js";
import { QueueError } from "./queue-error.js";
import { QueueEvents, type QueueListener } from "./queue-events.js";
import { QueueStore } from "./queue-store.js";
import { RateLimiter } from "./rate-limiter.js";
import { RunTracker, type QueueHost, type RunOutcome } from "./run-tracker.js";

export interface JobQueueOptions {
  store: Store;
  dispatcher: Dispatcher;
  logger: Logger;
  /** `config.queue`. */
  limits?: { maxSize: number; maxRequeues: number; shutdownGraceSeconds: number };
  /** Finished jobs stay in the history this long (`config.retention.days`). */
  retentionDays?: number;
  /** Asked when a request carries no verdict (the moderation policy). */
  precheck?: (request: AdmissionRequest) => PolicyVerdict | Promise<PolicyVerdict>;
  /** Least time between two rounds of `position` events. */
  positionIntervalMs?: number;
  eta?: EtaModelOptions;
  now?: () => number;
  newId?: () => string;
}

export interface QueueStats {
  queued: number;
  staged: number;
  running: number;
  waitingUsers: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  requeued: number;
  state: "new" | "open" | "closing" | "closed";
}

/**
 * The job queue: admission with limits, a fair line per user, dispatch to backends with free
 * slots, persistence of every transition, recovery after a restart and graceful shutdown.
 * Call `start()` once before `admit()`.
 */
export class JobQueue {
  readonly #store: QueueStore;
  readonly #dispatcher: Dispatcher;
  readonly #logger: Logger;
  readonly #limits: { maxSize: number; maxRequeues: number; shutdownGraceSeconds: number };
  readonly #now: () => number;
  readonly #newId: () => string;
  readonly #scheduler = new FairScheduler();
  readonly #events: QueueEvents;
  readonly #eta: EtaModel;
  readonly #estimates: QueueEta;
  readonly #gate: AdmissionGate;
  readonly #runs: RunTracker;
  readonly #loop: DispatchLoop;
  readonly #positions: PositionNotifier;
  readonly #book = new JobBook();
  #idleWaiters: Array<() => void> = [];
  #state: QueueStats["state"] = "new";
  #seq = 0;
  #unsubscribeCapacity: (() => void) | undefined;

  constructor(options: JobQueueOptions) {
    this.#dispatcher = options.dispatcher;
    this.#logger = options.logger;
    this.#limits = options.limits ?? defaults.queue;
    this.#now = options.now ?? Date.now;
    this.#newId = options.newId ?? randomUUID;
    const retentionMs = (options.retentionDays ?? defaults.retention.days) * 86_400_000;
    this.#store = new QueueStore(options.store, { retentionMs });
    this.#events = new QueueEvents(this.#logger);
    this.#eta = new EtaModel(options.eta);
    this.#gate = new AdmissionGate({
      rate: new RateLimiter(this.#store.rateLimits, this.#now),
      maxSize: this.#limits.maxSize,
      isOpen: () => this.#state === "open",
      waiting: () => this.#scheduler.size,
      unfinishedOf: (userId) => this.#book.unfinishedOf(userId),
      precheck: options.precheck,
    });
    this.#estimates = new QueueEta({
      model: this.#eta,
      scheduler: this.#scheduler,
      store: this.#store,
      logger: this.#logger,
      backends: () => this.#dispatcher.onlineCount(),
      inFlightMs: () => this.#runs.remainingMs(),
    });
    this.#positions = new PositionNotifier({
      intervalMs: options.positionIntervalMs ?? 1000,
      ordered: () => this.#estimates.ordered(),
      emit: (job, position, etaMs) =>
        this.#events.emit({ type: "position", job: snapshotJob(job), position, etaMs }),
      wanted: () => this.#events.listenerCount > 0,
    });
    const host: QueueHost = {
      scheduler: this.#scheduler,
      store: this.#store,
      events: this.#events,
      eta: this.#eta,
      dispatcher: this.#dispatcher,
      logger: this.#logger,
      now: this.#now,
      newId: this.#newId,
      maxRequeues: this.#limits.maxRequeues,
      canDispatch: () => this.#state === "open",
      finish: async (job, outcome) => this.#finish(job, outcome),
      changed: () => this.#changed(),
      runSettled: () => {
        this.#changed();
        this.#loop.pump();
      },
      requeued: () => this.#book.counters.requeued++,
    };
    this.#runs = new RunTracker(host);
    this.#loop = new DispatchLoop(host, this.#runs);
  }

  /**
   * Reloads unfinished jobs in admission order: jobs that were in ComfyUI are reattached by
   * prompt id (finished → delivered, gone → requeued or failed), waiting ones wait again.
   */
  async start(): Promise<void> {
    if (this.#state !== "new") throw new Error(`start() called twice (queue is ${this.#state})`);
    await this.#estimates.load();
    const jobs = await this.#store.loadUnfinished();
    for (const job of jobs) {
      this.#seq = Math.max(this.#seq, job.seq);
      this.#book.add(job);
      if (job.state === "queued") this.#scheduler.push(job);
    }
    for (const job of jobs) {
      if (job.state !== "staged" && job.state !== "running") continue;
      if (job.backend === undefined || job.promptId === undefined) {
        // Persisted as staged without a backend: cannot happen through the dispatch loop; wait again.
        job.state = "queued";
        this.#scheduler.unshift(job);
        continue;
      }
      this.#runs.track(job, job.backend, "attach");
    }
    this.#state = "open";
    this.#unsubscribeCapacity = this.#dispatcher.onCapacity(() => this.#loop.pump());
    this.#logger.info({ waiting: this.#scheduler.size, reattached: this.#runs.size }, "queue started");
    this.#changed();
    this.#loop.pump();
  }

  async admit(request: AdmissionRequest): Promise<AdmissionDecision> {
    let job: Job | undefined;
    const store = async (): Promise<void> => {
      job = newJob(request, { id: this.#newId(), seq: ++this.#seq, now: this.#now() });
      try {
        await this.#store.save(job);
      } catch (error) {
        throw new QueueError("store_failed", "could not store the job", { cause: error });
      }
    };
    return this.#gate.admit(request, store, () => this.#enqueue(job!));
  }

  #enqueue(job: Job): AdmissionDecision {
    this.#book.add(job);
    this.#scheduler.push(job);
    const position = this.#scheduler.position(job.id) ?? 0;
    const etaMs = this.#estimates.queued(job, position);
    this.#positions.told(job.id, position);
    const snapshot = snapshotJob(job);
    this.#events.emit({ type: "queued", job: snapshot, position, etaMs });
    this.#changed();
    this.#loop.pump();
    return { kind: "accepted", job: snapshot, position, etaMs };
  }

  /** Owner or moderator: a waiting job leaves the line; a staged or running one is deleted/interrupted. */
  async cancel(jobId: string, by: CancelRequest): Promise<CancelDecision> {
    const job = this.#book.known(jobId) ?? (await this.#store.loadFinished(jobId));
    if (!job) return { kind: "not_found" };
    if (job.userId !== by.userId && by.byModerator !== true) return { kind: "not_allowed" };
    if (job.state === "cancelled") return { kind: "cancelled", job: snapshotJob(job) };
    if (isFinished(job.state)) return { kind: "already_finished", job: snapshotJob(job) };
    const wasWaiting = this.#scheduler.remove(job);
    // Persisted first, so a restart in between does not reattach a job the user cancelled.
    await this.#finish(job, { state: "cancelled", byModerator: by.byModerator === true });
    if (!wasWaiting) await this.#runs.cancelRemote(job);
    return { kind: "cancelled", job: snapshotJob(job) };
  }

  /**
   * `/forget-me`: cancels the user's unfinished jobs, waits for their final writes, then deletes
   * every job record and the rate-limit record of the user. Jobs finished recently stay in the
   * in-memory cache until they age out of it (at most 1000 jobs) or the bot restarts.
   */
  async forgetUser(userId: string): Promise<{ cancelled: number; jobs: number; rateRecords: number }> {
    let cancelled = 0;
    for (const job of this.#book.jobsOf(userId)) {
      const decision = await this.cancel(job.id, { userId });
      if (decision.kind === "cancelled") cancelled++;
    }
    const removed = await this.#store.forgetUser(userId);
    return { cancelled, jobs: removed.jobs + removed.history, rateRecords: removed.rateRecords };
  }

  /** Records which Discord messages show the job (the Discord layer calls this). */
  async setMessages(jobId: string, messages: JobMessage[]): Promise<boolean> {
    const active = this.#book.active(jobId);
    if (active) {
      active.messages = messages.map((message) => ({ ...message }));
      await this.#store.save(active);
      return true;
    }
    const finished = this.#book.known(jobId) ?? (await this.#store.loadFinished(jobId));
    if (!finished) return false;
    finished.messages = messages.map((message) => ({ ...message }));
    await this.#store.saveFinished(finished);
    return true;
  }

  subscribe(listener: QueueListener): () => void {
    return this.#events.subscribe(listener);
  }

  /** An unfinished or recently finished job. */
  get(jobId: string): Job | undefined {
    const job = this.#book.known(jobId);
    return job ? snapshotJob(job) : undefined;
  }

  /** Any job still in the store, finished ones included. */
  async load(jobId: string): Promise<Job | undefined> {
    return this.get(jobId) ?? (await this.#store.loadFinished(jobId));
  }

  /** The user's unfinished jobs, oldest first. */
  jobsOf(userId: string): Job[] {
    return this.#book.jobsOf(userId);
  }

  /** Jobs dispatched before this waiting one; undefined when it is not waiting. */
  position(jobId: string): number | undefined {
    return this.#scheduler.position(jobId);
  }

  /** Expected ms until the job is done: queue wait plus its own run, or what is left of its run. */
  etaMs(jobId: string): number | undefined {
    const job = this.#book.active(jobId);
    if (!job) return undefined;
    const position = this.#scheduler.position(jobId);
    if (position !== undefined) return this.#estimates.queued(job, position);
    return this.#runs.remainingOf(jobId) ?? this.#eta.expectedMs(job, job.backend);
  }

  /** Snapshots of every unfinished job in admission order (the Discord layer re-links messages after a restart). */
  unfinished(): Job[] {
    return this.#book.allActive().map(snapshotJob);
  }

  get depth(): number {
    return this.#scheduler.size;
  }

  stats(): QueueStats {
    return {
      queued: this.#scheduler.size,
      staged: this.#book.countIn("staged"),
      running: this.#book.countIn("running"),
      waitingUsers: this.#scheduler.users,
      ...this.#book.counters,
      state: this.#state,
    };
  }

  /** Resolves when nothing waits and nothing runs. */
  async onIdle(): Promise<void> {
    if (this.#isIdle()) return;
    await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops admitting and dispatching, lets in-flight prompts finish for up to `graceMs`, then
   * stops following the rest. Staged and running prompts stay in ComfyUI, persisted as they are,
   * and are reattached by the next `start()`; waiting jobs wait in the store.
   */
  async close(options: { graceMs?: number } = {}): Promise<void> {
    if (this.#state === "closed" || this.#state === "closing") return;
    this.#state = "closing";
    this.#unsubscribeCapacity?.();
    this.#positions.stop();
    const graceMs = options.graceMs ?? this.#limits.shutdownGraceSeconds * 1000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#runs.settled(),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
    this.#runs.detachAll();
    await this.#runs.settled();
    await this.#estimates.save();
    await this.#store.flush();
    this.#state = "closed";
    this.#logger.info({ waiting: this.#scheduler.size }, "queue closed");
  }

  async #finish(job: Job, outcome: RunOutcome): Promise<void> {
    if (isFinished(job.state)) return;
    job.state = outcome.state;
    job.finishedAt = this.#now();
    if (outcome.state === "failed") job.error = outcome.error;
    if (outcome.state === "succeeded") {
      job.outputs = outcome.outputs.files.map(({ data, ...file }) => ({
        ...file,
        byteLength: data.byteLength,
      }));
    }
    this.#book.finished(job as Job & { state: RunOutcome["state"] });
    try {
      await this.#store.save(job);
    } catch (error) {
      this.#logger.error({ err: error, jobId: job.id }, "could not persist a finished job");
    }
    const snapshot = snapshotJob(job);
    switch (outcome.state) {
      case "succeeded":
        this.#events.emit({ type: "succeeded", job: snapshot, files: outcome.outputs.files });
        void this.#estimates.save();
        break;
      case "failed":
        this.#events.emit({ type: "failed", job: snapshot, error: outcome.error });
        break;
      case "cancelled":
        this.#events.emit({ type: "cancelled", job: snapshot, byModerator: outcome.byModerator });
        break;
    }
    this.#store
      .archive(job)
      .catch((error: unknown) =>
        this.#logger.error({ err: error, jobId: job.id }, "could not archive a job"),
      );
    this.#changed();
  }

  #changed(): void {
    this.#positions.changed();
    if (this.#isIdle()) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  #isIdle(): boolean {
    return this.#runs.size === 0 && this.#book.activeCount === 0;
  }
}
