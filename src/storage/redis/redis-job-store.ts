import type { Logger } from "pino";
import { jobSchema, type Job, type QueuedJob } from "../../queue/job.js";
import type { JobStore, SetAsideRecord, SweepOptions } from "../../queue/job-store.js";
import { readRecord } from "../read-record.js";
import { StorageError } from "../storage-error.js";
import { jobArguments, jobIndexes, jobIndexesVersion } from "./job-indexes.js";
import {
  forgetUserJobsScript,
  pruneFinishedJobsScript,
  saveJobScript,
  setAsideJobScript,
} from "./job-scripts.js";
import type { RedisConnection } from "./redis-connection.js";
import { sweepInBatches } from "./redis-sweep.js";

/** How many job records one round trip reads at start-up. */
const loadChunk = 500;

/**
 * Jobs on Redis: one hash per job (the job as JSON plus the fields the indexes need) and sorted
 * sets and sets as indexes, all written by Lua scripts (`job-scripts.ts`) so a job and its
 * indexes change together. Layout in `redis-keys.ts`.
 */
export class RedisJobStore implements JobStore {
  readonly #redis: RedisConnection;
  readonly #logger: Logger;
  readonly #now: () => number;

  constructor(redis: RedisConnection, logger: Logger, options: { now?: () => number } = {}) {
    this.#redis = redis;
    this.#logger = logger;
    this.#now = options.now ?? Date.now;
  }

  async insert(job: QueuedJob): Promise<void> {
    // Checked on the way in, so what is stored is what reads back.
    const args = jobArguments(jobSchema.parse(job));
    const reply = await this.#redis.run(`insert of job ${job.id}`, async (client) =>
      saveJobScript.run(client, [this.#redis.keys.prefix, "insert", ...args]),
    );
    if (reply === "exists") throw new StorageError("conflict", `job ${job.id} is already stored`);
  }

  async save(job: Job): Promise<void> {
    const args = jobArguments(jobSchema.parse(job));
    await this.#redis.run(`write of job ${job.id}`, async (client) =>
      saveJobScript.run(client, [this.#redis.keys.prefix, "save", ...args]),
    );
  }

  async loadOpen(): Promise<{ jobs: Job[]; setAside: SetAsideRecord[] }> {
    const { keys } = this.#redis;
    const ids = await this.#redis.run("load of open jobs", async (client) =>
      client.zRange(keys.openJobs, 0, -1),
    );
    const jobs: Job[] = [];
    const setAside: SetAsideRecord[] = [];
    for (let start = 0; start < ids.length; start += loadChunk) {
      const chunk = ids.slice(start, start + loadChunk);
      const texts = await this.#redis.run("load of open jobs", async (client) =>
        Promise.all(chunk.map(async (id) => client.hGet(keys.job(id), "json"))),
      );
      for (const [index, id] of chunk.entries()) {
        const text = texts[index];
        // Deleted between the two reads (forgotten, pruned): nothing to load.
        if (text === null || text === undefined) continue;
        const read = readRecord(jobSchema, text);
        if (read.ok && read.value.id === id && jobIndexes(read.value).open) {
          jobs.push(read.value);
          continue;
        }
        // As the memory store does: a record that says it is closed while indexed as open is set
        // aside too (only a hand edit can do that: the scripts index every write).
        const reason = !read.ok
          ? read.reason
          : read.value.id !== id
            ? `stored under id ${id} but says ${read.value.id}`
            : `stored as open but says ${read.value.state}`;
        await this.#setAside(id, reason);
        setAside.push({ id, reason });
      }
    }
    return { jobs, setAside };
  }

  async get(jobId: string): Promise<Job | undefined> {
    const text = await this.#redis.run(`read of job ${jobId}`, async (client) =>
      client.hGet(this.#redis.keys.job(jobId), "json"),
    );
    if (text === null || text === undefined) return undefined;
    const read = readRecord(jobSchema, text);
    if (read.ok) return read.value;
    this.#logger.warn(
      { jobId, reason: read.reason },
      "a stored job cannot be read back; treating it as absent",
    );
    return undefined;
  }

  async maxSeq(): Promise<number> {
    const top = await this.#redis.run("read of the largest seq", async (client) =>
      client.zRangeWithScores(this.#redis.keys.jobsBySeq, 0, 0, { REV: true }),
    );
    return top[0]?.score ?? 0;
  }

  async forgetUser(userId: string): Promise<number> {
    const deleted = await this.#redis.run(`forgetting the jobs of ${userId}`, async (client) =>
      forgetUserJobsScript.run(client, [this.#redis.keys.prefix, userId]),
    );
    return Number(deleted);
  }

  async pruneFinished(cutoff: number, options?: SweepOptions): Promise<number> {
    return sweepInBatches(async (limit) => {
      const deleted = await this.#redis.run("pruning of finished jobs", async (client) =>
        pruneFinishedJobsScript.run(client, [this.#redis.keys.prefix, cutoff, limit]),
      );
      return Number(deleted);
    }, options);
  }

  /**
   * Files every stored job again under the current `jobIndexes` rule, when the indexes were built
   * under another `jobIndexesVersion` (or by a version without one); returns how many jobs were
   * filed, or undefined when the indexes were current. A record that cannot be read is left as it
   * is (start-up sets it aside if it is indexed as open).
   */
  async rebuildIndexesIfStale(): Promise<number | undefined> {
    const { keys } = this.#redis;
    const stored = await this.#redis.run("read of the job index version", async (client) =>
      client.get(keys.jobIndexesVersion),
    );
    if (stored === jobIndexesVersion) return undefined;
    let filed = 0;
    for (let start = 0; ; start += loadChunk) {
      const ids = await this.#redis.run("rebuilding of the job indexes", async (client) =>
        client.zRange(keys.jobsBySeq, start, start + loadChunk - 1),
      );
      for (const id of ids) {
        const job = await this.get(id);
        if (job === undefined || job.id !== id) continue;
        await this.save(job);
        filed++;
      }
      if (ids.length < loadChunk) break;
    }
    await this.#redis.run("write of the job index version", async (client) =>
      client.set(keys.jobIndexesVersion, jobIndexesVersion),
    );
    return filed;
  }

  /** Moves a job that cannot be read back out of every index (found by a snapshot of open jobs). */
  async setAsideUnreadable(jobId: string, reason: string): Promise<void> {
    await this.#setAside(jobId, reason);
  }

  async #setAside(jobId: string, reason: string): Promise<void> {
    await this.#redis.run(`setting aside job ${jobId}`, async (client) =>
      setAsideJobScript.run(client, [this.#redis.keys.prefix, jobId, reason, this.#now()]),
    );
    this.#logger.warn(
      { jobId, reason },
      `set aside a stored job that cannot be read back (kept in ${this.#redis.keys.setAsideJob(jobId)}; it will not run)`,
    );
  }
}
