import type { AdmissionDecision, AdmissionRequest, CancelDecision, CancelRequest } from "./admission.js";
import type { RunOutputFile } from "./dispatcher.js";
import type { Job, JobMessage, SucceededJob } from "./job.js";
import type { QueueListener } from "./queue-events.js";

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
 * The queue as the Discord layer, the generation service and the operator views use it. One
 * process on its own store uses `JobQueue`; processes sharing Redis use `SharedQueue`
 * (`src/scale`), which answers the same questions from Redis and the conductor's published line.
 * Reads are synchronous: both keep the open jobs in memory.
 */
export interface QueuePort {
  admit(request: AdmissionRequest): Promise<AdmissionDecision>;
  /** Owner or moderator: a waiting job leaves the line; a staged or running one is deleted/interrupted. */
  cancel(jobId: string, by: CancelRequest): Promise<CancelDecision>;
  /** `/forget-me`: cancels the member's jobs and deletes their job and rate-limit records. */
  forgetUser(userId: string): Promise<{ cancelled: number; jobs: number; rateRecords: number }>;
  /** The job's member used `/forget-me` since it was admitted: store nothing about it again. */
  isForgotten(jobId: string): boolean;
  /** Records which Discord messages show the job; false if unknown. */
  setMessages(jobId: string, messages: readonly JobMessage[]): Promise<boolean>;
  /** The result is posted in these messages: the job is closed. Rejects when that was not stored. */
  delivered(jobId: string, messages: readonly JobMessage[]): Promise<void>;
  /** The result can never be posted: the job fails as undelivered. */
  undeliverable(jobId: string, reason: string): Promise<void>;
  /** Succeeded jobs whose result this process must post and has not yet, oldest first. */
  undelivered(): SucceededJob[];
  /** The output files kept for a succeeded job until it is posted. */
  outputsOf(jobId: string): Promise<RunOutputFile[] | undefined>;
  /** Job events for the messages this process keeps up to date. */
  subscribe(listener: QueueListener): () => void;
  /** An unfinished or recently finished job. */
  get(jobId: string): Job | undefined;
  /** Any job still in the store, finished ones included. */
  load(jobId: string): Promise<Job | undefined>;
  /** The member's unfinished jobs, oldest first. */
  jobsOf(userId: string): Job[];
  /** Jobs dispatched before this waiting one; undefined when it is not waiting. */
  position(jobId: string): number | undefined;
  /** Expected ms until the job is done. */
  etaMs(jobId: string): number | undefined;
  /** Unfinished jobs whose messages this process keeps up to date, in admission order. */
  unfinished(): Job[];
  /** Jobs waiting in line. */
  readonly depth: number;
  stats(): QueueStats;
}
