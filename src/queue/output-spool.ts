import type { RunOutputFile } from "./dispatcher.js";

/**
 * Where a succeeded job's output files wait until they are posted, so a restart, a long Discord
 * outage or a crash mid-upload loses no image. Declared here by the queue, implemented in
 * `src/storage` (memory, and a folder in DATA_DIR beside the SQLite file).
 */
export interface OutputSpool {
  /** Keeps the files of one job, replacing what was kept for it; rejects when they could not be kept. */
  keep(jobId: string, files: readonly RunOutputFile[]): Promise<void>;
  /** The kept files, or undefined when nothing is kept for the job. */
  load(jobId: string): Promise<RunOutputFile[] | undefined>;
  /** Forgets the job's files; nothing kept is not an error. */
  discard(jobId: string): Promise<void>;
}
