import type { Logger } from "pino";
import { finishedAtOf, isFinished, jobSchema, type Job, type QueuedJob } from "../../queue/job.js";
import type { JobStore, SetAsideRecord, SweepOptions } from "../../queue/job-store.js";
import { readRecord } from "../read-record.js";
import { setAside } from "./set-aside.js";
import type { SqliteDatabase } from "./sqlite-database.js";
import { sweep } from "./sweep.js";

const columns = "id, seq, user_id, guild_id, state, finished_at, job";
const insertSql = `INSERT INTO jobs (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?)`;
const saveSql =
  `${insertSql} ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, user_id = excluded.user_id, ` +
  "guild_id = excluded.guild_id, state = excluded.state, finished_at = excluded.finished_at, job = excluded.job";

/**
 * Jobs in the `jobs` table: the job as JSON plus the columns that make the queue's queries
 * cheap (unfinished in `seq` order, by member, finished before a time). Finished jobs stay in the
 * same table until retention prunes them, so a job is one row all its life.
 */
export class SqliteJobStore implements JobStore {
  readonly #db: SqliteDatabase;
  readonly #logger: Logger;
  readonly #now: () => number;

  constructor(db: SqliteDatabase, logger: Logger, now: () => number = Date.now) {
    this.#db = db;
    this.#logger = logger;
    this.#now = now;
  }

  async insert(job: QueuedJob): Promise<void> {
    await this.#db.run(insertSql, ...rowValues(job));
  }

  async save(job: Job): Promise<void> {
    await this.#db.run(saveSql, ...rowValues(job));
  }

  async loadUnfinished(): Promise<{ jobs: Job[]; setAside: SetAsideRecord[] }> {
    const rows = await this.#db.all<{ id: string; job: string }>(
      "SELECT id, job FROM jobs WHERE finished_at IS NULL ORDER BY seq",
    );
    const jobs: Job[] = [];
    const setAsideRecords: SetAsideRecord[] = [];
    for (const row of rows) {
      const read = readRecord(jobSchema, row.job);
      if (read.ok && read.value.id === row.id) {
        if (!isFinished(read.value)) {
          jobs.push(read.value);
        } else {
          // Its columns say unfinished but the job says it ended (a hand edit): trust the job.
          await this.save(read.value);
        }
        continue;
      }
      const reason = read.ok ? `stored under id ${row.id} but says ${read.value.id}` : read.reason;
      await this.#setAside(row.id, reason);
      setAsideRecords.push({ id: row.id, reason });
    }
    return { jobs, setAside: setAsideRecords };
  }

  async get(jobId: string): Promise<Job | undefined> {
    const row = await this.#db.get<{ job: string }>("SELECT job FROM jobs WHERE id = ?", jobId);
    if (row === undefined) return undefined;
    const read = readRecord(jobSchema, row.job);
    if (read.ok) return read.value;
    this.#logger.warn(
      { jobId, reason: read.reason },
      "a stored job cannot be read back; treating it as absent",
    );
    return undefined;
  }

  async maxSeq(): Promise<number> {
    const row = await this.#db.get<{ seq: number | null }>("SELECT max(seq) AS seq FROM jobs");
    return row?.seq ?? 0;
  }

  async forgetUser(userId: string): Promise<number> {
    return this.#db.transaction(async (session) => {
      const deleted = await session.run("DELETE FROM jobs WHERE user_id = ?", userId);
      // A set-aside job of the member still holds their prompt.
      await session.run("DELETE FROM set_aside WHERE source = 'jobs' AND user_id = ?", userId);
      return deleted;
    });
  }

  async pruneFinished(cutoff: number, options?: SweepOptions): Promise<number> {
    return sweep(
      this.#db,
      "DELETE FROM jobs WHERE rowid IN (SELECT rowid FROM jobs WHERE finished_at < ? LIMIT ?)",
      [cutoff],
      options,
    );
  }

  async #setAside(jobId: string, reason: string): Promise<void> {
    await this.#db.transaction(async (session) => {
      const row = await session.get<{ user_id: string; job: string }>(
        "SELECT user_id, job FROM jobs WHERE id = ?",
        jobId,
      );
      if (row === undefined) return;
      await setAside(
        session,
        { source: "jobs", recordId: jobId, userId: row.user_id, reason, data: row.job },
        this.#now(),
      );
      await session.run("DELETE FROM jobs WHERE id = ?", jobId);
    });
    this.#logger.warn(
      { jobId, reason },
      "set aside a stored job that cannot be read back (kept in the set_aside table; it will not run)",
    );
  }
}

function rowValues(job: Job): unknown[] {
  // Checked on the way in, so what is stored is what reads back.
  const valid = jobSchema.parse(job);
  return [
    valid.id,
    valid.seq,
    valid.userId,
    valid.guildId,
    valid.state,
    finishedAtOf(valid) ?? null,
    JSON.stringify(valid),
  ];
}
