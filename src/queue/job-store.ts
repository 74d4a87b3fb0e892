import type { Job, QueuedJob } from "./job.js";

/** How a long delete runs: in batches, pausing between them so admissions keep flowing. */
export interface SweepOptions {
  /** Rows per batch. */
  batchRows?: number;
  /** Called between batches with how long the batch took; the default sleeps about as long. */
  pause?: (batchMs: number) => Promise<void>;
  /** Stops between batches (the bot is shutting down). */
  signal?: AbortSignal;
}

/** A stored job that could not be read back: set aside (kept for an operator), never loaded. */
export interface SetAsideRecord {
  id: string;
  reason: string;
}

/**
 * Where the queue keeps its jobs, declared here by the queue and implemented in `src/storage`
 * (in memory, and SQLite as the embedded default). Every method rejects when the store failed:
 * a write that did not land is never reported as done.
 */
export interface JobStore {
  /** Stores a newly admitted job; resolves only once it is stored. */
  insert(job: QueuedJob): Promise<void>;
  /** Stores the job's current state over the previous one (same id). */
  save(job: Job): Promise<void>;
  /**
   * Every open job (see `isClosed`: waiting, in flight, or succeeded and not posted yet), in
   * admission order (`seq`). A record that fails to parse or validate is set aside and reported,
   * and never stops the load.
   */
  loadOpen(): Promise<{ jobs: Job[]; setAside: SetAsideRecord[] }>;
  /** Any stored job, finished ones included. */
  get(jobId: string): Promise<Job | undefined>;
  /** The largest `seq` stored, finished jobs included (0 when empty). */
  maxSeq(): Promise<number>;
  /** Deletes every job of one member; returns how many. */
  forgetUser(userId: string): Promise<number>;
  /** Deletes closed jobs that finished before `cutoff` (epoch ms); returns how many. */
  pruneFinished(cutoff: number, options?: SweepOptions): Promise<number>;
}
