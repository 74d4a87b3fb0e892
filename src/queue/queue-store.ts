import type { Collection } from "../store/collection.js";
import { sweepNamespace } from "../store/sweep-namespace.js";
import type { SqlQuery, Store } from "../store/store.js";
import { etaSnapshotSchema, type EtaSnapshot } from "./eta-model.js";
import { isFinished, jobSchema, snapshotJob, type Job } from "./job.js";
import { rateRecordSchema, type RateRecord } from "./rate-limiter.js";

/**
 * Where the queue keeps what must survive a restart. Unfinished jobs live in `jobs`, so start-up
 * reads only those; finished jobs move to `job-history` (kept `retentionMs`) for lookups.
 *
 * Writes of one job are chained so they land in the order the state changed, whatever the
 * driver does with concurrent statements; writes of different jobs run side by side.
 */
export class QueueStore {
  readonly jobs: Collection<Job>;
  readonly history: Collection<Job>;
  readonly rateLimits: Collection<RateRecord>;
  readonly #meta: Collection<EtaSnapshot>;
  readonly #retentionMs: number;
  readonly #chains = new Map<string, Promise<void>>();
  readonly #sql: () => SqlQuery | undefined;

  constructor(store: Store, options: { retentionMs: number }) {
    this.#sql = () => store.sql();
    this.jobs = store.collection("jobs", jobSchema);
    this.history = store.collection("job-history", jobSchema);
    this.rateLimits = store.collection("rate-limits", rateRecordSchema);
    this.#meta = store.collection("queue-eta", etaSnapshotSchema);
    this.#retentionMs = options.retentionMs;
  }

  /** Persists the job as it is now. */
  async save(job: Job): Promise<void> {
    const snapshot = snapshotJob(job);
    await this.#chain(job.id, () => this.jobs.set(snapshot.id, snapshot));
  }

  /** Moves a finished job (already saved in its final state) to the history. */
  async archive(job: Job): Promise<void> {
    const snapshot = snapshotJob(job);
    await this.#chain(job.id, async () => {
      await this.history.set(snapshot.id, snapshot, { ttlMs: this.#retentionMs });
      await this.jobs.delete(snapshot.id);
    });
  }

  /** Updates a finished job in the history (message ids set after the end). */
  async saveFinished(job: Job): Promise<void> {
    const snapshot = snapshotJob(job);
    await this.#chain(job.id, () => this.history.set(snapshot.id, snapshot, { ttlMs: this.#retentionMs }));
  }

  /** Every unfinished job in admission order; finished ones left over by a crash are archived. */
  async loadUnfinished(): Promise<Job[]> {
    const unfinished: Job[] = [];
    const leftovers: Job[] = [];
    for await (const [, job] of this.jobs.entries()) {
      if (isFinished(job.state)) leftovers.push(job);
      else unfinished.push(job);
    }
    await Promise.all(leftovers.map(async (job) => this.archive(job)));
    return unfinished.sort((a, b) => a.seq - b.seq);
  }

  async loadFinished(jobId: string): Promise<Job | undefined> {
    return this.history.get(jobId);
  }

  async loadEta(): Promise<EtaSnapshot | undefined> {
    return this.#meta.get("eta");
  }

  async saveEta(snapshot: EtaSnapshot): Promise<void> {
    await this.#chain("\0eta", () => this.#meta.set("eta", snapshot));
  }

  /**
   * Deletes every job record (waiting, running or finished) and the rate-limit record of one
   * user, for `/forget-me`. Callers cancel the user's live jobs first: a job still running would
   * be written again. Returns how many records went.
   */
  async forgetUser(userId: string): Promise<{ jobs: number; history: number; rateRecords: number }> {
    await this.flush();
    const sql = this.#sql();
    let jobs = 0;
    let history = 0;
    if (sql) {
      const byOwner = { where: "json_extract(value, '$.value.userId') = ?", params: [userId] };
      jobs = await sweepNamespace(sql, { namespace: "jobs", ...byOwner });
      history = await sweepNamespace(sql, { namespace: "job-history", ...byOwner });
    } else {
      jobs = await forgetIn(this.jobs, userId);
      history = await forgetIn(this.history, userId);
    }
    const rateRecords = (await this.rateLimits.delete(userId)) ? 1 : 0;
    return { jobs, history, rateRecords };
  }

  /** Resolves when every write issued so far has landed (or failed). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.#chains.values()]);
  }

  async #chain(key: string, write: () => Promise<unknown>): Promise<void> {
    const previous = this.#chains.get(key) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        await write();
      });
    this.#chains.set(key, next);
    try {
      await next;
    } finally {
      if (this.#chains.get(key) === next) this.#chains.delete(key);
    }
  }
}

async function forgetIn(collection: Collection<Job>, userId: string): Promise<number> {
  const owned: string[] = [];
  for await (const [id, job] of collection.entries()) if (job.userId === userId) owned.push(id);
  await collection.deleteMany(owned);
  return owned.length;
}
