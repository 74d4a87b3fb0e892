import type { ResultStore } from "../history/result-store.js";
import type { SettingsStore } from "../moderation/settings-store.js";
import type { EtaStore } from "../queue/eta-store.js";
import type { JobStore, SweepOptions } from "../queue/job-store.js";
import type { InputSpool } from "../queue/input-spool.js";
import type { OutputSpool } from "../queue/output-spool.js";
import type { RateStore } from "../queue/rate-store.js";
import type { MetaStore } from "./meta-store.js";

/**
 * Everything the bot keeps, behind the ports its modules declare. `openStorage` picks the
 * implementation: the SQLite file in DATA_DIR, or memory (tests, the terminal's `generate`).
 *
 * The queue gets `{ jobs, rates, eta }`, history and reactions `results`, moderation `settings`,
 * the ComfyUI clients and command registration `meta`; the retention pruner the maintenance below.
 */
export interface Storage {
  readonly jobs: JobStore;
  readonly rates: RateStore;
  readonly eta: EtaStore;
  /** Succeeded jobs' output files until they are posted. */
  readonly spool: OutputSpool;
  /** Pictures jobs start from (attachments, results to vary or upscale), kept like the result index. */
  readonly inputs: InputSpool;
  readonly results: ResultStore;
  readonly settings: SettingsStore;
  readonly meta: MetaStore;
  /** For the start-up log line: the data file, or "memory". */
  readonly location: string;
  /** Deletes rate-limit records whose expiry has passed by `now`; returns how many. */
  expireRateRecords(now: number, options?: SweepOptions): Promise<number>;
  /** Gives the space freed by deletes back to the file system; returns the bytes given back. */
  reclaimSpace(options?: { signal?: AbortSignal }): Promise<number>;
  /** A cheap read, for `/healthz`: false (and a log line) when it failed. */
  ping(): Promise<boolean>;
  /** Closes the files and releases the data folder's lock. */
  close(): Promise<void>;
}
