import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { defaults } from "../config/defaults.js";
import type {
  AdmissionDecision,
  AdmissionRequest,
  CancelDecision,
  CancelRequest,
  PolicyVerdict,
} from "./admission.js";
import { AdmissionGate } from "./admission-gate.js";
import type { Dispatcher, RunOutputFile } from "./dispatcher.js";
import type { EtaModelOptions } from "./eta-model.js";
import type { EtaStore } from "./eta-store.js";
import { StoreCommitter } from "./job-commit.js";
import { JobEngine, type QueueLimits } from "./job-engine.js";
import { admittedJob } from "./job-lifecycle.js";
import type { JobStore } from "./job-store.js";
import type { OutputSpool } from "./output-spool.js";
import type { Job, JobMessage, QueuedJob, SucceededJob } from "./job.js";
import type { QueuePort, QueueStats } from "./queue-port.js";
import { QueueEvents, type QueueListener } from "./queue-events.js";
import { RateLimiter } from "./rate-limiter.js";
import type { RateStore } from "./rate-store.js";

export type { QueueLimits } from "./job-engine.js";
export type { QueueStats } from "./queue-port.js";

export interface JobQueueOptions {
  /** Where jobs, rate-limit hits, learned durations and outputs waiting to be posted are kept (`src/storage`). */
  stores: { jobs: JobStore; rates: RateStore; eta: EtaStore; spool: OutputSpool };
  dispatcher: Dispatcher;
  logger: Logger;
  /** `config.queue`; `maxPerGuild` defaults to the defaults table's. */
  limits?: QueueLimits;
  /** Asked when a request carries no verdict (the moderation policy). */
  precheck?: (request: AdmissionRequest) => PolicyVerdict | Promise<PolicyVerdict>;
  /** Least time between two rounds of `position` events. */
  positionIntervalMs?: number;
  /** After a dispatch could not be stored, the queue tries again this much later (default 1 s). */
  dispatchRetryMs?: number;
  eta?: EtaModelOptions;
  now?: () => number;
  newId?: () => string;
}

/**
 * The job queue of one bot process that owns its store (SQLite, or memory): admission with
 * limits in front of the `JobEngine` (the fair line, dispatch, recovery, graceful shutdown).
 * Every change of a job is one `transition()`, applied one at a time per job, stored before its
 * effects run. Call `start()` once before `admit()`.
 */
export class JobQueue implements QueuePort {
  readonly #jobs: JobStore;
  readonly #spool: OutputSpool;
  readonly #limits: QueueLimits;
  readonly #now: () => number;
  readonly #newId: () => string;
  readonly #events: QueueEvents;
  readonly #rate: RateLimiter;
  readonly #gate: AdmissionGate;
  readonly #engine: JobEngine;
  readonly #logger: Logger;
  #seq = 0;

  constructor(options: JobQueueOptions) {
    this.#jobs = options.stores.jobs;
    this.#spool = options.stores.spool;
    this.#logger = options.logger;
    this.#limits = options.limits ?? defaults.queue;
    this.#now = options.now ?? Date.now;
    this.#newId = options.newId ?? randomUUID;
    this.#events = new QueueEvents(this.#logger);
    this.#rate = new RateLimiter(options.stores.rates, this.#now);
    this.#engine = new JobEngine({
      committer: new StoreCommitter(this.#jobs),
      announce: (event) => this.#events.emit(event),
      listening: () => this.#events.listenerCount > 0,
      load: async (jobId) => this.#jobs.get(jobId),
      dispatcher: options.dispatcher,
      spool: this.#spool,
      eta: options.stores.eta,
      logger: this.#logger,
      limits: this.#limits,
      positionIntervalMs: options.positionIntervalMs,
      dispatchRetryMs: options.dispatchRetryMs,
      etaModel: options.eta,
      now: this.#now,
      newId: this.#newId,
    });
    this.#gate = new AdmissionGate({
      rate: this.#rate,
      logger: this.#logger,
      maxSize: this.#limits.maxSize,
      maxPerGuild: this.#limits.maxPerGuild ?? defaults.queue.maxPerGuild,
      isOpen: () => this.#engine.state === "open",
      waiting: () => this.#engine.depth,
      waitingIn: (guildId) => this.#engine.waitingIn(guildId),
      unfinishedOf: (userId) => this.#engine.book.unfinishedOf(userId),
      precheck: options.precheck,
    });
  }

  /**
   * Reloads open jobs in admission order: jobs that were in ComfyUI are reattached by prompt id
   * (finished → succeeded, gone → requeued or failed), waiting ones wait again, and succeeded ones
   * not posted yet wait for the Discord layer (`undelivered()`).
   */
  async start(): Promise<void> {
    if (this.#engine.state !== "new")
      throw new Error(`start() called twice (queue is ${this.#engine.state})`);
    const { jobs, setAside } = await this.#jobs.loadOpen();
    for (const record of setAside) {
      this.#logger.warn(
        { jobId: record.id, reason: record.reason },
        "a stored job could not be read: set aside",
      );
    }
    this.#seq = await this.#jobs.maxSeq();
    await this.#engine.start(jobs);
  }

  async admit(request: AdmissionRequest): Promise<AdmissionDecision> {
    return this.#gate.admit(
      request,
      async () => {
        const job = admittedJob(request, { id: this.#newId(), seq: ++this.#seq, now: this.#now() });
        await this.#jobs.insert(job);
        return job;
      },
      (job) => this.#enqueue(job),
    );
  }

  /** Owner or moderator: a waiting job leaves the line; a staged or running one is deleted/interrupted. */
  async cancel(jobId: string, by: CancelRequest): Promise<CancelDecision> {
    const job = this.#engine.book.known(jobId) ?? (await this.#jobs.get(jobId));
    if (!job) return { kind: "not_found" };
    const byOwner = job.userId === by.userId;
    if (!byOwner && by.byModerator !== true) return { kind: "not_allowed" };
    const cancelled = await this.#engine.apply(
      jobId,
      { type: "cancel", by: byOwner ? "owner" : "moderator", at: this.#now() },
      "abort",
    );
    if (cancelled?.state === "cancelled") return { kind: "cancelled", job: cancelled };
    const now = this.#engine.book.known(jobId) ?? job;
    return now.state === "cancelled"
      ? { kind: "cancelled", job: now }
      : { kind: "already_finished", job: now };
  }

  /**
   * `/forget-me`: cancels the member's unfinished jobs, then deletes every job record, kept
   * output and the rate-limit record of the member. No admission of theirs runs meanwhile, and
   * nothing writes their jobs back afterwards: each job is tombstoned (`isForgotten`), every write
   * already under way is waited for, and any later event of the job (a run ending, a result
   * posted) is ignored instead of stored.
   */
  async forgetUser(userId: string): Promise<{ cancelled: number; jobs: number; rateRecords: number }> {
    return this.#gate.exclusive(userId, async () => {
      const book = this.#engine.book;
      let cancelled = 0;
      for (const job of book.jobsOf(userId)) {
        const decision = await this.cancel(job.id, { userId });
        if (decision.kind === "cancelled") cancelled++;
      }
      const ids = book.idsOf(userId);
      this.#engine.forget(ids);
      // A write that began before the tombstone finishes before the records go.
      await Promise.all(ids.map(async (id) => this.#engine.drained(id)));
      for (const job of book.undeliveredOf(userId)) await this.#spool.discard(job.id);
      const jobs = await this.#jobs.forgetUser(userId);
      const rateRecords = (await this.#rate.forget(userId)) ? 1 : 0;
      book.forgetFinished(userId);
      return { cancelled, jobs, rateRecords };
    });
  }

  /**
   * The job belonged to a member who used `/forget-me` since it was admitted: whatever still holds
   * it (a result being posted) must not store anything about it again.
   */
  isForgotten(jobId: string): boolean {
    return this.#engine.isForgotten(jobId);
  }

  /** Records which Discord messages show the job (the Discord layer calls this); false if unknown. */
  async setMessages(jobId: string, messages: readonly JobMessage[]): Promise<boolean> {
    const next = await this.#engine.apply(jobId, { type: "retarget", messages }, "abort");
    return next !== undefined;
  }

  /**
   * The result of a succeeded job is posted on Discord, in these messages: the job is closed and
   * its kept output files are dropped. Rejects when that could not be stored (the job then stays
   * succeeded, and a restart posts it again).
   */
  async delivered(jobId: string, messages: readonly JobMessage[]): Promise<void> {
    await this.#engine.apply(jobId, { type: "deliver", messages, at: this.#now() }, "abort");
  }

  /** The result of a succeeded job can never be posted (the channel is gone, no access): it fails. */
  async undeliverable(jobId: string, reason: string): Promise<void> {
    await this.#engine.apply(jobId, { type: "give_up_delivery", reason, at: this.#now() }, "abort");
  }

  /** Succeeded jobs whose result is not posted yet, oldest first (after a restart, or a long outage). */
  undelivered(): SucceededJob[] {
    return this.#engine.book.allUndelivered();
  }

  /** The output files kept for a succeeded job until it is posted; undefined when none are kept. */
  async outputsOf(jobId: string): Promise<RunOutputFile[] | undefined> {
    return this.#spool.load(jobId);
  }

  subscribe(listener: QueueListener): () => void {
    return this.#events.subscribe(listener);
  }

  /** An unfinished or recently finished job. */
  get(jobId: string): Job | undefined {
    return this.#engine.book.known(jobId);
  }

  /** Any job still in the store, finished ones included. */
  async load(jobId: string): Promise<Job | undefined> {
    return this.get(jobId) ?? (await this.#jobs.get(jobId));
  }

  /** The member's unfinished jobs, oldest first. */
  jobsOf(userId: string): Job[] {
    return this.#engine.book.jobsOf(userId);
  }

  /** Jobs dispatched before this waiting one; undefined when it is not waiting. */
  position(jobId: string): number | undefined {
    return this.#engine.position(jobId);
  }

  /** Expected ms until the job is done: queue wait plus its own run, or what is left of its run. */
  etaMs(jobId: string): number | undefined {
    return this.#engine.etaMs(jobId);
  }

  /** Every unfinished job in admission order (the Discord layer re-links messages after a restart). */
  unfinished(): Job[] {
    return this.#engine.book.allActive();
  }

  get depth(): number {
    return this.#engine.depth;
  }

  stats(): QueueStats {
    const book = this.#engine.book;
    return {
      queued: this.#engine.depth,
      staged: book.countIn("staged"),
      running: book.countIn("running"),
      waitingUsers: this.#engine.waitingUsers,
      ...book.counters,
      state: this.#engine.state,
    };
  }

  /** Resolves when nothing waits and nothing runs. */
  async onIdle(): Promise<void> {
    await this.#engine.onIdle();
  }

  /**
   * Stops admitting and dispatching, lets in-flight prompts finish for up to `graceMs`, then
   * stops following the rest. Staged and running prompts stay in ComfyUI, stored as they are,
   * and are reattached by the next `start()`; waiting jobs wait in the store.
   */
  async close(options: { graceMs?: number } = {}): Promise<void> {
    await this.#engine.close(options.graceMs ?? this.#limits.shutdownGraceSeconds * 1000);
  }

  #enqueue(job: QueuedJob): AdmissionDecision {
    let decision: AdmissionDecision = { kind: "accepted", job, position: 0, etaMs: 0 };
    this.#engine.enqueue(job, ({ position, etaMs }) => {
      this.#events.emit({ type: "queued", job, position, etaMs });
      decision = { kind: "accepted", job, position, etaMs };
    });
    return decision;
  }
}
