import type { Logger } from "pino";
import type { Dispatcher } from "./dispatcher.js";
import type { EtaModelOptions } from "./eta-model.js";
import type { EtaStore } from "./eta-store.js";
import type { JobCommitter } from "./job-commit.js";
import type { Job } from "./job.js";
import type { OutputSpool } from "./output-spool.js";
import type { QueueEvent } from "./queue-events.js";

export interface QueueLimits {
  maxSize: number;
  maxPerGuild?: number;
  maxRequeues: number;
  shutdownGraceSeconds: number;
}

export type EngineState = "new" | "open" | "closing" | "closed";

/**
 * Whether a failed store write stops the change. Decisions (dispatch, cancel, messages) are
 * only made once stored. Facts reported by a backend (started, finished, lost) have happened
 * whatever the store says: they go on in memory, and the next start reconciles the stored job
 * with ComfyUI by its prompt id.
 */
export type OnStoreFailure = "abort" | "proceed";

export interface JobEngineOptions {
  committer: JobCommitter;
  /**
   * Tells subscribers. `stored` marks a transition's announcement, made once its job is stored;
   * the others (progress, previews, positions) are live only.
   */
  announce: (event: QueueEvent, stored: boolean) => void;
  /** Somebody listens: position passes are skipped otherwise. */
  listening: () => boolean;
  /** A job the engine no longer holds in memory (a finished one whose messages change). */
  load: (jobId: string) => Promise<Job | undefined>;
  dispatcher: Dispatcher;
  spool: OutputSpool;
  eta: EtaStore;
  logger: Logger;
  limits: QueueLimits;
  positionIntervalMs?: number | undefined;
  dispatchRetryMs?: number | undefined;
  etaModel?: EtaModelOptions | undefined;
  now: () => number;
  newId?: (() => string) | undefined;
  /**
   * A commit was refused by the store. Processes sharing Redis react to a backend's fact that
   * could not be stored ("proceed") by handing their lease on: the next conductor reattaches by
   * prompt id and stores it then, instead of it living only in this process's memory.
   */
  storeFailed?: ((mode: OnStoreFailure, error: unknown) => void) | undefined;
}
