import { randomUUID } from "node:crypto";
import { KeyLock } from "../concurrency/key-lock.js";
import type { DispatchLoop } from "./dispatch-loop.js";
import { lineDispatchLoop } from "./line-dispatch.js";
import { EtaModel } from "./eta-model.js";
import { FairScheduler } from "./fair-scheduler.js";
import { JobBook } from "./job-book.js";
import { EffectPerformer } from "./effect-performer.js";
import { transition, type JobEvent } from "./job-lifecycle.js";
import { isClosed, isInFlight, type Job, type QueuedJob } from "./job.js";
import { PositionNotifier } from "./position-notifier.js";
import { QueueError } from "./queue-error.js";
import { QueueEta } from "./queue-eta.js";
import { RunFollower } from "./run-follower.js";
import { RunReports } from "./run-reports.js";

import type { EngineState, JobEngineOptions, OnStoreFailure } from "./engine-options.js";

export type { EngineState, JobEngineOptions, OnStoreFailure, QueueLimits } from "./engine-options.js";

/**
 * What runs the jobs: the fair line, dispatch to backends with free slots, following prompts to
 * their end, positions and ETAs. Every change of a job is one `transition()`, applied one at a
 * time per job, committed before its effects run. `JobQueue` puts admission in front of it for
 * one process; with several processes sharing Redis, the conductor runs one (`src/scale`).
 */
export class JobEngine {
  readonly #o: JobEngineOptions;
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
  readonly #eta: EtaModel;
  readonly #estimates: QueueEta;
  readonly #follower: RunFollower;
  readonly #reports: RunReports;
  readonly #loop: DispatchLoop;
  readonly #positions: PositionNotifier;
  readonly #effects: EffectPerformer;
  #idleWaiters: Array<() => void> = [];
  #state: EngineState = "new";
  #unsubscribeCapacity: (() => void) | undefined;

  constructor(options: JobEngineOptions) {
    this.#o = options;
    this.#newId = options.newId ?? randomUUID;
    const { dispatcher, logger, now } = options;
    this.#eta = new EtaModel(options.etaModel);
    this.#reports = new RunReports({
      book: this.#book,
      eta: this.#eta,
      spool: options.spool,
      apply: async (jobId, event, onStoreFailure) => this.apply(jobId, event, onStoreFailure),
      inOrder: async (jobId, task) => this.#locks.run(jobId, task),
      announce: (event) => options.announce(event, false),
      logger,
      now,
      maxRequeues: options.limits.maxRequeues,
    });
    this.#follower = new RunFollower({
      dispatcher,
      eta: this.#eta,
      logger,
      now,
      onEvent: (jobId, event) => this.#reports.onEvent(jobId, event),
      onOutcome: async (jobId, outcome) => this.#reports.onOutcome(jobId, outcome),
      onSettled: (jobId) => {
        this.#scheduler.released(jobId);
        this.#changed();
        this.#loop.pump();
      },
    });
    this.#estimates = new QueueEta({
      model: this.#eta,
      line: () => this.#waitingJobs(),
      store: options.eta,
      logger,
      backends: () => dispatcher.onlineCount(),
      inFlightMs: () => this.#follower.remainingMs(),
    });
    this.#positions = new PositionNotifier({
      intervalMs: options.positionIntervalMs ?? 1000,
      ordered: () => this.#estimates.ordered(),
      emit: (job, position, etaMs) => options.announce({ type: "position", job, position, etaMs }, false),
      wanted: options.listening,
    });
    this.#effects = new EffectPerformer({
      scheduler: this.#scheduler,
      counters: this.#book.counters,
      follower: this.#follower,
      dispatcher,
      spool: options.spool,
      announce: (event) => options.announce(event, true),
      saveEstimates: () => void this.#estimates.save(),
      logger,
    });
    this.#loop = lineDispatchLoop({
      isOpen: () => this.#state === "open",
      dispatcher,
      scheduler: this.#scheduler,
      book: this.#book,
      apply: async (jobId, event, onStoreFailure) => this.apply(jobId, event, onStoreFailure),
      changed: () => this.#changed(),
      newId: this.#newId,
      now,
      logger,
      retryMs: options.dispatchRetryMs,
    });
  }

  get state(): EngineState {
    return this.#state;
  }

  /** The in-memory ledger (read by the queue's queries). */
  get book(): JobBook {
    return this.#book;
  }

  get depth(): number {
    return this.#scheduler.size;
  }

  /** Jobs of one server waiting in line. */
  waitingIn(guildId: string): number {
    return this.#scheduler.waitingIn(guildId);
  }

  get waitingUsers(): number {
    return this.#scheduler.users;
  }

  /**
   * Takes over the stored open jobs, in admission order: jobs that were in ComfyUI are
   * reattached by prompt id (finished → succeeded, gone → requeued or failed), waiting ones wait
   * again, and succeeded ones not posted yet wait for the Discord layer.
   */
  async start(jobs: readonly Job[]): Promise<void> {
    if (this.#state !== "new") throw new Error(`start() called twice (queue is ${this.#state})`);
    await this.#estimates.load();
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
    this.#unsubscribeCapacity = this.#o.dispatcher.onCapacity(() => this.#loop.pump());
    this.#o.logger.info({ waiting: this.#scheduler.size, reattached: this.#follower.size }, "queue started");
    this.#changed();
    this.#loop.pump();
  }

  /**
   * A job just admitted and stored: it joins the line. `placed` hears its place and ETA before
   * anything else happens to it (the "queued" announcement comes before "staged").
   */
  enqueue(job: QueuedJob, placed: (place: { position: number; etaMs: number }) => void): void {
    this.#book.add(job);
    this.#scheduler.push(job);
    const position = this.#scheduler.position(job.id) ?? 0;
    const etaMs = this.#estimates.queued(job, position);
    this.#positions.told(job.id, position);
    placed({ position, etaMs });
    this.#changed();
    this.#loop.pump();
  }

  /**
   * Applies one event to one job: the next job from `transition()`, committed, then its effects.
   * Runs after every earlier event of the same job. Resolves with the new job, or undefined when
   * the job is unknown or the event does not apply to its state.
   */
  async apply(jobId: string, event: JobEvent, onStoreFailure: OnStoreFailure): Promise<Job | undefined> {
    return this.#locks.run(jobId, async () => {
      // A commit that finds the job changed by someone else (another process sharing the store)
      // takes the stored job in and decides again; twice more at most, then the event is dropped.
      for (let attempt = 0; attempt < 3; attempt++) {
        // Messages may change after the end too (a result moved to a fresh message): look further.
        const current =
          this.#book.known(jobId) ?? (event.type === "retarget" ? await this.#o.load(jobId) : undefined);
        if (!current || this.#forgotten.has(jobId)) return undefined;
        const result = transition(current, event);
        if (result.kind === "ignored") {
          this.#o.logger.debug({ jobId, reason: result.reason }, "job event ignored");
          return undefined;
        }
        try {
          const outcome = await this.#o.committer.commit({
            previous: current,
            next: result.job,
            event,
            effects: result.effects,
          });
          if (outcome.kind === "changed") {
            this.#takeIn(jobId, outcome.current);
            continue;
          }
        } catch (error) {
          this.#o.storeFailed?.(onStoreFailure, error);
          if (onStoreFailure === "abort") {
            throw new QueueError("store_failed", `could not store job ${jobId}`, { cause: error });
          }
          this.#o.logger.error(
            { err: error, jobId, state: result.job.state },
            "could not store a job's new state; going on in memory (the next start reconciles it with ComfyUI)",
          );
        }
        this.#book.update(result.job);
        for (const effect of result.effects) this.#effects.perform(effect, result.job);
        this.#changed();
        return result.job;
      }
      this.#o.logger.warn({ jobId, event: event.type }, "job kept changing under an event; dropped it");
      return undefined;
    });
  }

  /**
   * A change another process stored (an admission, a cancel, a posted result, a forget: then
   * `stored` is undefined): the line, the ledger and the prompts follow it. `isNews` decides, under
   * the job's lock, whether `stored` is newer than what this engine has; false when it was not
   * taken in. Stopping the prompt of a job cancelled elsewhere is the caller's (it knows the run
   * from the shared store).
   */
  async observe(
    jobId: string,
    stored: Job | undefined,
    isNews: () => boolean = () => true,
  ): Promise<boolean> {
    return this.#locks.run(jobId, () => {
      // Asked only now, after every change of the job begun earlier: one of those may have stored
      // a newer copy than `stored` meanwhile, which must not be replaced by this older one.
      if (!isNews()) return Promise.resolve(false);
      this.#takeIn(jobId, stored);
      return Promise.resolve(true);
    });
  }

  /** Tombstones jobs of a forgotten member: nothing stores them again. */
  forget(jobIds: readonly string[]): void {
    for (const id of jobIds) this.#forgotten.add(id);
  }

  isForgotten(jobId: string): boolean {
    return this.#forgotten.has(jobId);
  }

  /** Resolves once every change of the job begun so far has finished. */
  async drained(jobId: string): Promise<void> {
    await this.#locks.drained(jobId);
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

  /** The waiting jobs in dispatch order, each with its ETA. */
  ordered(): Iterable<{ job: QueuedJob; etaMs: number }> {
    return this.#estimates.ordered();
  }

  /**
   * The work ahead of a job joining the line now: what is left of the runs in flight plus the
   * expected time of every waiting job (shared by `dispatcher.onlineCount()` backends).
   */
  aheadMs(): number {
    let total = this.#follower.remainingMs();
    for (const job of this.#waitingJobs()) total += this.#eta.expectedMs(job);
    return total;
  }

  /** Resolves when nothing waits and nothing runs. */
  async onIdle(): Promise<void> {
    if (this.#isIdle()) return;
    await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops dispatching, lets in-flight prompts finish for up to `graceMs`, then stops following
   * the rest. Staged and running prompts stay in ComfyUI, stored as they are, and are reattached
   * by the next start; waiting jobs wait in the store.
   */
  async close(graceMs: number): Promise<void> {
    if (this.#state === "closed" || this.#state === "closing") return;
    this.#state = "closing";
    this.#unsubscribeCapacity?.();
    this.#positions.stop();
    this.#loop.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#follower.settled(),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
    this.#follower.detachAll();
    await this.#follower.settled();
    // A change being committed finishes before the queue counts as closed (a conductor hands its
    // lease over only once nothing of its own is still being written).
    await this.#locks.allDrained();
    await this.#estimates.save();
    this.#state = "closed";
    this.#o.logger.info({ waiting: this.#scheduler.size }, "queue closed");
  }

  /** Brings the ledger and the line to a job as it is stored now (or gone). Under the job's lock. */
  #takeIn(jobId: string, stored: Job | undefined): void {
    const known = this.#book.known(jobId);
    if (!stored) {
      this.#scheduler.remove(jobId);
      this.#book.drop(jobId);
      this.#forgotten.add(jobId);
    } else if (!known) {
      if (isClosed(stored)) return;
      this.#book.add(stored);
      if (stored.state === "queued") this.#scheduler.push(stored);
      this.#loop.pump();
    } else {
      if (known.state === "queued" && stored.state !== "queued") this.#scheduler.remove(jobId);
      this.#book.update(stored);
    }
    this.#changed();
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
