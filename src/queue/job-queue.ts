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
import { DispatchLoop } from "./dispatch-loop.js";
import { EtaModel, type EtaModelOptions } from "./eta-model.js";
import type { EtaStore } from "./eta-store.js";
import { FairScheduler } from "./fair-scheduler.js";
import { JobBook } from "./job-book.js";
import { admittedJob, transition, type JobEffect, type JobEvent } from "./job-lifecycle.js";
import type { JobStore } from "./job-store.js";
import type { OutputSpool } from "./output-spool.js";
import { isInFlight, type Job, type JobMessage, type QueuedJob, type SucceededJob } from "./job.js";
import { KeyLock } from "../concurrency/key-lock.js";
import { PositionNotifier } from "./position-notifier.js";
import { QueueError } from "./queue-error.js";
import { QueueEta } from "./queue-eta.js";
import { QueueEvents, type QueueListener } from "./queue-events.js";
import { RateLimiter } from "./rate-limiter.js";
import type { RateStore } from "./rate-store.js";
import { RunFollower, type FollowedEvent, type RunOutcome } from "./run-follower.js";

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

export interface QueueLimits {
  maxSize: number;
  maxPerGuild?: number;
  maxRequeues: number;
  shutdownGraceSeconds: number;
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
 * Whether a failed store write stops the change. Decisions (dispatch, cancel, messages) are
 * only made once stored. Facts reported by a backend (started, finished, lost) have happened
 * whatever the store says: they go on in memory, and the next start reconciles the stored job
 * with ComfyUI by its prompt id.
 */
type OnStoreFailure = "abort" | "proceed";

/**
 * The job queue: admission with limits, a fair line per member, dispatch to backends with
 * free slots, recovery after a restart and graceful shutdown. Every change of a job is one
 * `transition()`, applied one at a time per job, stored before its effects run.
 * Call `start()` once before `admit()`.
 */
export class JobQueue {
  readonly #jobs: JobStore;
  readonly #spool: OutputSpool;
  readonly #dispatcher: Dispatcher;
  readonly #logger: Logger;
  readonly #limits: QueueLimits;
  readonly #now: () => number;
  readonly #newId: () => string;
  readonly #scheduler = new FairScheduler();
  readonly #book = new JobBook();
  /** Each job's transitions and announcements run one at a time, in order. */
  readonly #locks = new KeyLock();
  /**
   * Jobs of members who used `/forget-me`: never stored again. Only jobs this process held at the
   * time are listed (a handful per forget), so the set lives as long as the process.
   */
  readonly #forgotten = new Set<string>();
  readonly #events: QueueEvents;
  readonly #eta: EtaModel;
  readonly #estimates: QueueEta;
  readonly #rate: RateLimiter;
  readonly #gate: AdmissionGate;
  readonly #follower: RunFollower;
  readonly #loop: DispatchLoop;
  readonly #positions: PositionNotifier;
  #idleWaiters: Array<() => void> = [];
  #state: QueueStats["state"] = "new";
  #seq = 0;
  #unsubscribeCapacity: (() => void) | undefined;

  constructor(options: JobQueueOptions) {
    this.#jobs = options.stores.jobs;
    this.#spool = options.stores.spool;
    this.#dispatcher = options.dispatcher;
    this.#logger = options.logger;
    this.#limits = options.limits ?? defaults.queue;
    this.#now = options.now ?? Date.now;
    this.#newId = options.newId ?? randomUUID;
    this.#events = new QueueEvents(this.#logger);
    this.#eta = new EtaModel(options.eta);
    this.#rate = new RateLimiter(options.stores.rates, this.#now);
    this.#gate = new AdmissionGate({
      rate: this.#rate,
      logger: this.#logger,
      maxSize: this.#limits.maxSize,
      maxPerGuild: this.#limits.maxPerGuild ?? defaults.queue.maxPerGuild,
      isOpen: () => this.#state === "open",
      waiting: () => this.#scheduler.size,
      waitingIn: (guildId) => this.#scheduler.waitingIn(guildId),
      unfinishedOf: (userId) => this.#book.unfinishedOf(userId),
      precheck: options.precheck,
    });
    this.#follower = new RunFollower({
      dispatcher: this.#dispatcher,
      eta: this.#eta,
      logger: this.#logger,
      now: this.#now,
      onEvent: (jobId, event) => this.#onRunEvent(jobId, event),
      onOutcome: async (jobId, outcome) => this.#onRunOutcome(jobId, outcome),
      onSettled: (jobId) => {
        this.#scheduler.released(jobId);
        this.#changed();
        this.#loop.pump();
      },
    });
    this.#estimates = new QueueEta({
      model: this.#eta,
      line: () => this.#waitingJobs(),
      store: options.stores.eta,
      logger: this.#logger,
      backends: () => this.#dispatcher.onlineCount(),
      inFlightMs: () => this.#follower.remainingMs(),
    });
    this.#positions = new PositionNotifier({
      intervalMs: options.positionIntervalMs ?? 1000,
      ordered: () => this.#estimates.ordered(),
      emit: (job, position, etaMs) => this.#events.emit({ type: "position", job, position, etaMs }),
      wanted: () => this.#events.listenerCount > 0,
    });
    this.#loop = new DispatchLoop({
      canDispatch: () => this.#state === "open",
      hasFreeSlot: () => this.#dispatcher.hasFreeSlot(),
      heads: () => this.#scheduler.heads(),
      choose: (jobId) => {
        const job = this.#book.active(jobId);
        return job ? this.#dispatcher.pickBackend(job) : { kind: "busy" };
      },
      dispatch: async (jobId, backendId) => this.#dispatch(jobId, backendId),
      reject: (jobId, message) => this.#reject(jobId, message),
      logger: this.#logger,
      ...(options.dispatchRetryMs === undefined ? {} : { retryMs: options.dispatchRetryMs }),
    });
  }

  /**
   * Reloads open jobs in admission order: jobs that were in ComfyUI are reattached by prompt id
   * (finished → succeeded, gone → requeued or failed), waiting ones wait again, and succeeded ones
   * not posted yet wait for the Discord layer (`undelivered()`).
   */
  async start(): Promise<void> {
    if (this.#state !== "new") throw new Error(`start() called twice (queue is ${this.#state})`);
    await this.#estimates.load();
    const { jobs, setAside } = await this.#jobs.loadOpen();
    for (const record of setAside) {
      this.#logger.warn(
        { jobId: record.id, reason: record.reason },
        "a stored job could not be read: set aside",
      );
    }
    this.#seq = await this.#jobs.maxSeq();
    for (const job of jobs) {
      this.#book.add(job);
      if (job.state === "queued") this.#scheduler.push(job);
    }
    for (const job of jobs) {
      if (!isInFlight(job)) continue;
      this.#scheduler.resumeInFlight(job);
      this.#follower.follow(job, "attach");
    }
    this.#state = "open";
    this.#unsubscribeCapacity = this.#dispatcher.onCapacity(() => this.#loop.pump());
    this.#logger.info({ waiting: this.#scheduler.size, reattached: this.#follower.size }, "queue started");
    this.#changed();
    this.#loop.pump();
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
    const job = this.#book.known(jobId) ?? (await this.#jobs.get(jobId));
    if (!job) return { kind: "not_found" };
    const byOwner = job.userId === by.userId;
    if (!byOwner && by.byModerator !== true) return { kind: "not_allowed" };
    const cancelled = await this.#apply(
      jobId,
      { type: "cancel", by: byOwner ? "owner" : "moderator", at: this.#now() },
      "abort",
    );
    if (cancelled?.state === "cancelled") return { kind: "cancelled", job: cancelled };
    const now = this.#book.known(jobId) ?? job;
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
      let cancelled = 0;
      for (const job of this.#book.jobsOf(userId)) {
        const decision = await this.cancel(job.id, { userId });
        if (decision.kind === "cancelled") cancelled++;
      }
      const ids = this.#book.idsOf(userId);
      for (const id of ids) this.#forgotten.add(id);
      // A write that began before the tombstone finishes before the records go.
      await Promise.all(ids.map(async (id) => this.#locks.drained(id)));
      for (const job of this.#book.undeliveredOf(userId)) await this.#spool.discard(job.id);
      const jobs = await this.#jobs.forgetUser(userId);
      const rateRecords = (await this.#rate.forget(userId)) ? 1 : 0;
      this.#book.forgetFinished(userId);
      return { cancelled, jobs, rateRecords };
    });
  }

  /**
   * The job belonged to a member who used `/forget-me` since it was admitted: whatever still holds
   * it (a result being posted) must not store anything about it again.
   */
  isForgotten(jobId: string): boolean {
    return this.#forgotten.has(jobId);
  }

  /** Records which Discord messages show the job (the Discord layer calls this); false if unknown. */
  async setMessages(jobId: string, messages: readonly JobMessage[]): Promise<boolean> {
    const next = await this.#apply(jobId, { type: "retarget", messages }, "abort");
    return next !== undefined;
  }

  /**
   * The result of a succeeded job is posted on Discord, in these messages: the job is closed and
   * its kept output files are dropped. Rejects when that could not be stored (the job then stays
   * succeeded, and a restart posts it again).
   */
  async delivered(jobId: string, messages: readonly JobMessage[]): Promise<void> {
    await this.#apply(jobId, { type: "deliver", messages, at: this.#now() }, "abort");
  }

  /** The result of a succeeded job can never be posted (the channel is gone, no access): it fails. */
  async undeliverable(jobId: string, reason: string): Promise<void> {
    await this.#apply(jobId, { type: "give_up_delivery", reason, at: this.#now() }, "abort");
  }

  /** Succeeded jobs whose result is not posted yet, oldest first (after a restart, or a long outage). */
  undelivered(): SucceededJob[] {
    return this.#book.allUndelivered();
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
    return this.#book.known(jobId);
  }

  /** Any job still in the store, finished ones included. */
  async load(jobId: string): Promise<Job | undefined> {
    return this.get(jobId) ?? (await this.#jobs.get(jobId));
  }

  /** The member's unfinished jobs, oldest first. */
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
    return (
      this.#follower.remainingOf(jobId) ??
      this.#eta.expectedMs(job, isInFlight(job) ? job.run.backend : undefined)
    );
  }

  /** Every unfinished job in admission order (the Discord layer re-links messages after a restart). */
  unfinished(): Job[] {
    return this.#book.allActive();
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
   * stops following the rest. Staged and running prompts stay in ComfyUI, stored as they are,
   * and are reattached by the next `start()`; waiting jobs wait in the store.
   */
  async close(options: { graceMs?: number } = {}): Promise<void> {
    if (this.#state === "closed" || this.#state === "closing") return;
    this.#state = "closing";
    this.#unsubscribeCapacity?.();
    this.#positions.stop();
    this.#loop.stop();
    const graceMs = options.graceMs ?? this.#limits.shutdownGraceSeconds * 1000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#follower.settled(),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
    this.#follower.detachAll();
    await this.#follower.settled();
    await this.#estimates.save();
    this.#state = "closed";
    this.#logger.info({ waiting: this.#scheduler.size }, "queue closed");
  }

  #enqueue(job: QueuedJob): AdmissionDecision {
    this.#book.add(job);
    this.#scheduler.push(job);
    const position = this.#scheduler.position(job.id) ?? 0;
    const etaMs = this.#estimates.queued(job, position);
    this.#positions.told(job.id, position);
    this.#events.emit({ type: "queued", job, position, etaMs });
    this.#changed();
    this.#loop.pump();
    return { kind: "accepted", job, position, etaMs };
  }

  /**
   * Applies one event to one job: the next job from `transition()`, stored, then its effects.
   * Runs after every earlier event of the same job. Resolves with the new job, or undefined
   * when the job is unknown or the event does not apply to its state.
   */
  async #apply(jobId: string, event: JobEvent, onStoreFailure: OnStoreFailure): Promise<Job | undefined> {
    return this.#locks.run(jobId, async () => {
      // Messages may change after the end too (a result moved to a fresh message): look further.
      const current =
        this.#book.known(jobId) ?? (event.type === "retarget" ? await this.#jobs.get(jobId) : undefined);
      if (!current || this.#forgotten.has(jobId)) return undefined;
      const result = transition(current, event);
      if (result.kind === "ignored") {
        this.#logger.debug({ jobId, reason: result.reason }, "job event ignored");
        return undefined;
      }
      try {
        await this.#jobs.save(result.job);
      } catch (error) {
        if (onStoreFailure === "abort") {
          throw new QueueError("store_failed", `could not store job ${jobId}`, { cause: error });
        }
        this.#logger.error(
          { err: error, jobId, state: result.job.state },
          "could not store a job's new state; going on in memory (the next start reconciles it with ComfyUI)",
        );
      }
      this.#book.update(result.job);
      for (const effect of result.effects) this.#perform(effect, result.job);
      this.#changed();
      return result.job;
    });
  }

  #perform(effect: JobEffect, job: Job): void {
    switch (effect.type) {
      case "submit":
        this.#follower.follow(effect.job, "run");
        return;
      case "leave_line":
        this.#scheduler.remove(job.id);
        return;
      case "rejoin_line":
        this.#scheduler.unshift(job);
        return;
      case "stop_remote":
        this.#dispatcher.cancel(effect.run).catch((error: unknown) => {
          // The job is already cancelled; at worst ComfyUI finishes a prompt nobody waits for.
          this.#logger.warn({ err: error, jobId: job.id }, "could not cancel the prompt on its backend");
        });
        return;
      case "announce":
        this.#events.emit(effect.event);
        return;
      case "release":
        if (effect.job.state === "succeeded") void this.#estimates.save();
        return;
      case "count_requeue":
        this.#book.counters.requeued++;
        return;
      case "discard_outputs":
        this.#spool.discard(job.id).catch((error: unknown) => {
          // Only disk space: the job is closed, and a later start never reads these files.
          this.#logger.warn({ err: error, jobId: job.id }, "could not delete a posted job's kept outputs");
        });
        return;
    }
  }

  async #dispatch(jobId: string, backendId: string): Promise<boolean> {
    this.#scheduler.take(jobId);
    this.#changed();
    const event: JobEvent = {
      type: "dispatch",
      backend: backendId,
      promptId: this.#newId().toLowerCase(),
      at: this.#now(),
    };
    try {
      await this.#apply(jobId, event, "abort");
      return true;
    } catch (error) {
      this.#logger.error({ err: error, jobId }, "could not store a staged job; it waits again");
      const job = this.#book.active(jobId);
      if (job?.state === "queued") this.#scheduler.unshift(job);
      return false;
    }
  }

  /** No backend can ever run the job: out of the line at once, then failed. */
  #reject(jobId: string, message: string): void {
    this.#scheduler.remove(jobId);
    this.#apply(
      jobId,
      { type: "fail", error: { code: "no_backend", message }, at: this.#now() },
      "proceed",
    ).catch((error: unknown) =>
      this.#logger.error({ err: error, jobId }, "could not fail a job no backend can run"),
    );
  }

  #onRunEvent(jobId: string, event: FollowedEvent): void {
    const logFailure = (error: unknown): void =>
      this.#logger.error({ err: error, jobId, event: event.type }, "handling a run event failed");
    if (event.type === "started") {
      this.#apply(jobId, { type: "start", at: this.#now() }, "proceed").catch(logFailure);
      return;
    }
    // Behind the job's pending transitions, so `started` is always announced first.
    this.#locks
      .run(jobId, async () => {
        const job = this.#book.active(jobId);
        if (!job || !isInFlight(job)) return Promise.resolve();
        this.#events.emit({ ...event, job });
        return Promise.resolve();
      })
      .catch(logFailure);
  }

  async #onRunOutcome(jobId: string, outcome: RunOutcome): Promise<void> {
    const at = this.#now();
    if (outcome.kind === "succeeded") {
      const { outputs } = outcome;
      const job = this.#book.active(jobId);
      if (job && isInFlight(job) && outcome.durationMs !== undefined) {
        this.#eta.learn(
          job,
          job.run.backend,
          { durationMs: outcome.durationMs, msPerStep: outcome.msPerStep },
          at,
        );
      }
      try {
        await this.#spool.keep(jobId, outputs.files);
      } catch (error) {
        // The files still go out in the `succeeded` event; only a restart before they are posted
        // would lose them (the log says which job).
        this.#logger.error({ err: error, jobId }, "could not keep a job's outputs until they are posted");
      }
      await this.#apply(jobId, { type: "succeed", files: outputs.files, at }, "proceed");
      return;
    }
    const event: JobEvent = outcome.retryable
      ? { type: "lose", error: outcome.error, at, maxRequeues: this.#limits.maxRequeues }
      : { type: "fail", error: outcome.error, at };
    await this.#apply(jobId, event, "proceed");
  }

  /** The waiting jobs, in dispatch order. */
  *#waitingJobs(): Generator<QueuedJob> {
    for (const jobId of this.#scheduler.ordered()) {
      const job = this.#book.active(jobId);
      if (job?.state === "queued") yield job;
    }
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
    return this.#follower.size === 0 && this.#book.activeCount === 0;
  }
}
