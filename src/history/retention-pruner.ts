import type { Logger } from "pino";
import type { InputSpool } from "../queue/input-spool.js";
import type { JobStore, SweepOptions } from "../queue/job-store.js";
import type { ResultStore } from "./result-store.js";

/**
 * What retention needs of the storage (`Storage` has it): the two prunes, rate-record expiry and
 * giving the freed space back.
 */
export interface RetentionTarget {
  jobs: Pick<JobStore, "pruneFinished">;
  results: Pick<ResultStore, "pruneBefore">;
  /** Input pictures go with the result links: a reroll of a result may still need its input. */
  inputs: Pick<InputSpool, "pruneBefore">;
  expireRateRecords(now: number, options?: SweepOptions): Promise<number>;
  reclaimSpace(options?: { signal?: AbortSignal }): Promise<number>;
}

export interface RetentionPrunerOptions {
  storage: RetentionTarget;
  /** `config.retention.days`: finished jobs and result links older than this are deleted. */
  retentionDays: number;
  logger: Logger;
  now?: () => number;
  /** Time between two runs; the first run starts right after `start()`. */
  intervalMs?: number;
  /** Rows deleted per batch (tests use small batches). */
  batchRows?: number;
}

export interface PruneCounts {
  /** Finished jobs deleted. */
  jobs: number;
  /** Result links (the reroll index) deleted. */
  results: number;
  /** Rate-limit records whose every hit had expired. */
  rateRecords: number;
  /** Input pictures (attachments, results varied or upscaled) kept as long as the result links. */
  inputs: number;
}

const day = 86_400_000;

/**
 * Deletes what retention no longer allows, periodically and off the queue's path: finished jobs
 * (by finish time) and result links (by creation time) once `retentionDays` have passed (a record
 * exactly `retentionDays` old is deleted), and rate-limit records with only expired hits.
 * Unfinished jobs are never touched. The storage deletes in small batches and lets admissions in
 * between; then the freed space goes back to the file system.
 */
export class RetentionPruner {
  readonly #options: RetentionPrunerOptions;
  readonly #now: () => number;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<PruneCounts> | undefined;
  #abort = new AbortController();

  constructor(options: RetentionPrunerOptions) {
    if (!(options.retentionDays > 0))
      throw new Error(`retentionDays must be positive, got ${options.retentionDays}`);
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#intervalMs = options.intervalMs ?? 60 * 60_000;
  }

  /** Runs now, then every `intervalMs`; a failed run is logged and tried again next time. */
  start(): void {
    if (this.#timer) return;
    if (this.#abort.signal.aborted) this.#abort = new AbortController();
    const tick = (): void => {
      this.runOnce()
        .catch((error: unknown) =>
          this.#options.logger.error({ err: error }, "retention run failed; trying again next interval"),
        )
        .finally(() => {
          if (this.#timer) this.#timer = setTimeout(tick, this.#intervalMs).unref();
        });
    };
    this.#timer = setTimeout(tick, 0).unref();
  }

  /** Stops the timer; a run in progress stops after its current batch. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort.abort();
  }

  /** One pass; concurrent calls share the pass in progress. */
  async runOnce(): Promise<PruneCounts> {
    this.#running ??= this.#run().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #run(): Promise<PruneCounts> {
    const { storage, logger, retentionDays, batchRows } = this.#options;
    const started = performance.now();
    const now = this.#now();
    // "Before cutoff + 1 ms" keeps what retention promised: exactly retentionDays old is gone.
    const before = now - retentionDays * day + 1;
    const sweep: SweepOptions = {
      signal: this.#abort.signal,
      ...(batchRows === undefined ? {} : { batchRows }),
    };
    const counts: PruneCounts = {
      jobs: await storage.jobs.pruneFinished(before, sweep),
      results: await storage.results.pruneBefore(before, sweep),
      rateRecords: await storage.expireRateRecords(now, sweep),
      inputs: await storage.inputs.pruneBefore(before),
    };
    const deleted = counts.jobs + counts.results + counts.rateRecords;
    const deletedAt = performance.now();
    const reclaimedBytes = deleted > 0 ? await storage.reclaimSpace({ signal: this.#abort.signal }) : 0;
    logger[deleted > 0 ? "info" : "debug"](
      {
        ...counts,
        reclaimedBytes,
        deleteMs: Math.round(deletedAt - started),
        reclaimMs: Math.round(performance.now() - deletedAt),
      },
      "retention pass done",
    );
    return counts;
  }
}
