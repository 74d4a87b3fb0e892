import type { Logger } from "pino";
import { isFinished, jobSchema } from "../queue/job.js";
import type { Store } from "../store/store.js";
import { ensureIncrementalVacuum, reclaimFreePages, type ReclaimMode } from "./reclaim-space.js";
import type { ResultIndex } from "./result-index.js";
import { sweepNamespace } from "../store/sweep-namespace.js";

export interface RetentionPrunerOptions {
  store: Store;
  results: ResultIndex;
  /** `config.retention.days`: finished jobs and result links older than this are deleted. */
  retentionDays: number;
  logger: Logger;
  now?: () => number;
  /** Time between two runs; the first run starts right after `start()`. */
  intervalMs?: number;
  /** Rows examined per batch (tests use small batches). */
  batchRows?: number;
}

export interface PruneCounts {
  /** Finished jobs deleted from `job-history`. */
  jobs: number;
  /** Result links (reroll index) deleted. */
  results: number;
  /** Rate-limit records whose every hit had expired. */
  rateRecords: number;
}

const day = 86_400_000;
const finishedStates = "('succeeded','failed','cancelled')";

/**
 * Deletes what retention no longer allows, periodically and off the queue's path: finished jobs
 * (by `finishedAt`), result links (by `createdAt`) once `retentionDays` have passed (a record
 * exactly `retentionDays` old is deleted), and rate-limit records with only expired hits. Unfinished
 * jobs live in another namespace and are never touched. Works in small batches on its own SQLite
 * connection and yields between batches, then gives the freed pages back to the file system.
 */
export class RetentionPruner {
  readonly #options: RetentionPrunerOptions;
  readonly #now: () => number;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<PruneCounts> | undefined;
  #abort = new AbortController();
  #vacuum: ReclaimMode | undefined;

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
        .catch((error: unknown) => this.#options.logger.error({ err: error }, "retention run failed"))
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
    const started = performance.now();
    const now = this.#now();
    const cutoff = now - this.#options.retentionDays * day;
    const query = this.#options.store.sql();
    const counts = query ? await this.#sweepSql(query, cutoff, now) : await this.#sweepMemory(cutoff);
    let reclaimedPages = 0;
    if (query && this.#vacuum === "incremental" && counts.jobs + counts.results + counts.rateRecords > 0) {
      reclaimedPages = await reclaimFreePages(query, { signal: this.#abort.signal });
    }
    const level = counts.jobs + counts.results + counts.rateRecords > 0 ? "info" : "debug";
    this.#options.logger[level](
      { ...counts, reclaimedPages, ms: Math.round(performance.now() - started) },
      "retention pass done",
    );
    return counts;
  }

  async #sweepSql(query: NonNullable<ReturnType<Store["sql"]>>, cutoff: number, now: number) {
    this.#vacuum ??= await ensureIncrementalVacuum(query, this.#options.logger);
    const common = {
      signal: this.#abort.signal,
      ...(this.#options.batchRows === undefined ? {} : { batchRows: this.#options.batchRows }),
    };
    const jobs = await sweepNamespace(query, {
      ...common,
      namespace: "job-history",
      // A finished job without `finishedAt` (older records) ages from its creation.
      where:
        `json_extract(value, '$.value.state') IN ${finishedStates} AND ` +
        `coalesce(json_extract(value, '$.value.finishedAt'), json_extract(value, '$.value.createdAt')) <= ?`,
      params: [cutoff],
    });
    const results = await sweepNamespace(query, {
      ...common,
      namespace: "results",
      where: "json_extract(value, '$.value.createdAt') <= ?",
      params: [cutoff],
    });
    // Keyv's own TTL: the limiter writes each record to expire one window after its last hit.
    const rateRecords = await sweepNamespace(query, {
      ...common,
      namespace: "rate-limits",
      where: "json_extract(value, '$.expires') <= ?",
      params: [now],
    });
    return { jobs, results, rateRecords };
  }

  /** An in-memory store (tests, dry runs) has no SQL: walk the collections instead. */
  async #sweepMemory(cutoff: number): Promise<PruneCounts> {
    const history = this.#options.store.collection("job-history", jobSchema);
    const expired: string[] = [];
    for await (const [id, job] of history.entries()) {
      if (isFinished(job.state) && (job.finishedAt ?? job.createdAt) <= cutoff) expired.push(id);
    }
    await history.deleteMany(expired);
    const results = await this.#options.results.pruneBefore(cutoff + 1);
    return { jobs: expired.length, results, rateRecords: 0 };
  }
}
