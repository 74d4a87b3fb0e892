import type { Logger } from "pino";
import type { Dispatcher } from "../queue/dispatcher.js";
import type { QueueLimits } from "../queue/engine-options.js";
import type { EtaStore } from "../queue/eta-store.js";
import { JobEngine } from "../queue/job-engine.js";
import type { OutputSpool } from "../queue/output-spool.js";
import type { QueueEvent } from "../queue/queue-events.js";
import type { RedisJobEvents } from "../storage/redis/redis-job-events.js";
import type { RedisJobStore } from "../storage/redis/redis-job-store.js";
import type { RedisPreviews } from "../storage/redis/redis-previews.js";
import { FencedCommitter } from "./fenced-committer.js";
import type { StatusPublisher } from "./status-publisher.js";
import { liveText, type ScaleEntry } from "./stream-entry.js";

export interface TermDeps {
  stores: {
    events: RedisJobEvents;
    jobs: Pick<RedisJobStore, "setAsideUnreadable">;
    previews: Pick<RedisPreviews, "keep">;
    spool: OutputSpool;
    eta: EtaStore;
  };
  status: StatusPublisher;
  dispatcher: Dispatcher;
  limits: QueueLimits;
  leaseName: string;
  logger: Logger;
  now: () => number;
  newId?: (() => string) | undefined;
  positionIntervalMs?: number | undefined;
  /** The store refused a write: the lease is someone else's, or a backend's fact could not be kept. */
  onStepDown: (reason: string) => void;
}

/**
 * One lease term of the conductor: from a snapshot of the open jobs taken after the lease was
 * won, a `JobEngine` reattaches the prompts in flight by prompt id (the restart recovery), runs
 * the fair line and dispatch, and follows the stream for changes other processes make. Entries
 * from before the snapshot are skipped; those that arrive while it starts are kept and applied
 * after. A stopped term writes nothing more.
 */
export class ConductorTerm {
  readonly #deps: TermDeps;
  readonly fence: number;
  readonly #committer: FencedCommitter;
  #engine: JobEngine | undefined;
  #after = "0-0";
  #early: ScaleEntry[] = [];
  #stopped = false;

  readonly #since: number;

  /** `since`: when the lease was won. */
  constructor(deps: TermDeps, fence: number, since: number) {
    this.#deps = deps;
    this.fence = fence;
    this.#since = since;
    this.#committer = new FencedCommitter({
      events: deps.stores.events,
      leaseName: deps.leaseName,
      fence,
      onFenced: () => deps.onStepDown("another process holds the conductor lease now"),
    });
  }

  /** Resolves with how many prompts were reattached. */
  async start(): Promise<{ reattached: number; waiting: number }> {
    const { stores, logger } = this.#deps;
    const snapshot = await stores.events.snapshot();
    for (const { id, reason } of snapshot.unreadable) {
      logger.warn({ jobId: id, reason }, "a stored job could not be read: set aside");
      await stores.jobs.setAsideUnreadable(id, reason);
    }
    this.#after = snapshot.after;
    for (const { job, rev } of snapshot.jobs) this.#committer.know(job.id, rev);
    const engine = this.#newEngine();
    await engine.start(snapshot.jobs.map(({ job }) => job));
    this.#engine = engine;
    if (this.#stopped) {
      await engine.close(0);
      return { reattached: 0, waiting: 0 };
    }
    for (const entry of this.#early.splice(0)) await this.receive(entry);
    this.#stopRuns();
    const counts = {
      reattached: snapshot.jobs.filter(({ job }) => job.state === "staged" || job.state === "running").length,
      waiting: engine.depth,
    };
    this.#deps.status.start(engine, this.fence, this.#since);
    return counts;
  }

  /** A stream entry, in order: another process's change to take in. */
  async receive(entry: ScaleEntry): Promise<void> {
    const engine = this.#engine;
    if (!engine) {
      if (!this.#stopped) this.#early.push(entry);
      return;
    }
    if (this.#stopped || !isAfter(entry.id, this.#after)) return;
    if (entry.kind === "job") {
      // Its own writes come back too: the revision is not news then. Asked under the job's lock,
      // not before it: a write of this term still on its way (a staging decided again after this
      // very entry's change) may have stored a newer revision by the time the lock is free, and
      // taking this older copy in would drop that run's reports (the job would stay staged).
      const { job, rev } = entry;
      const taken = await engine.observe(job.id, job, () => this.#committer.know(job.id, rev));
      if (taken && job.state === "cancelled" && job.run) this.#stopRuns();
    } else if (entry.kind === "forgotten") {
      for (const id of entry.jobIds) {
        this.#committer.forget(id);
        await engine.observe(id, undefined);
      }
      this.#stopRuns();
    }
  }

  /** Stops dispatching and following prompts (they stay in ComfyUI); waits for writes under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#deps.status.stop();
    await this.#engine?.close(0);
  }

  #newEngine(): JobEngine {
    const { stores, dispatcher, limits, logger, now } = this.#deps;
    return new JobEngine({
      committer: this.#committer,
      // Transitions are on the stream already, written with their job; the rest is live only.
      announce: (event, stored) => {
        if (!stored) this.#publishLive(event);
      },
      // Other processes listen through the stream: positions are always worth telling.
      listening: () => true,
      load: async (jobId) => (await stores.events.get(jobId))?.job,
      dispatcher,
      spool: stores.spool,
      eta: stores.eta,
      logger,
      limits,
      positionIntervalMs: this.#deps.positionIntervalMs,
      now,
      newId: this.#deps.newId,
      storeFailed: (mode) => {
        if (mode === "proceed" && !this.#stopped) {
          this.#deps.onStepDown("a backend's report could not be stored");
        }
      },
    });
  }

  #publishLive(event: QueueEvent): void {
    const text = liveText(event);
    if (text === undefined || this.#stopped) return;
    const { stores, logger } = this.#deps;
    const jobId = event.job.id;
    const publish = async (): Promise<void> => {
      if (event.type === "preview") await stores.previews.keep(jobId, event.image);
      await stores.events.publish({ k: "live", id: jobId, ev: text });
    };
    // Progress is worth little once late: a failure is only a debug line.
    publish().catch((error: unknown) => logger.debug({ err: error, jobId }, "could not publish progress"));
  }

  /** Takes back the prompts of jobs cancelled by any process (also those cancelled between terms). */
  #stopRuns(): void {
    const { stores, dispatcher, logger } = this.#deps;
    stores.events
      .takeRunsToStop()
      .then(async (runs) => {
        for (const run of runs) {
          await dispatcher.cancel(run).catch((error: unknown) => {
            logger.warn({ err: error, promptId: run.promptId }, "could not cancel a cancelled job's prompt");
          });
        }
      })
      .catch((error: unknown) => logger.warn({ err: error }, "could not read the runs to stop"));
  }
}

/** Stream ids are `<ms>-<seq>`: is `id` later than `after`? */
export function isAfter(id: string, after: string): boolean {
  const [ms = 0n, seq = 0n] = id.split("-").map((part) => BigInt(part));
  const [afterMs = 0n, afterSeq = 0n] = after.split("-").map((part) => BigInt(part));
  return ms > afterMs || (ms === afterMs && seq > afterSeq);
}
