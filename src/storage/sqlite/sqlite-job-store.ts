import type { Logger } from "pino";
import { isClosed, jobSchema, type ClosedJob, type Job, type QueuedJob } from "../../queue/job.js";
import type { JobStore, SetAsideRecord, SweepOptions } from "../../queue/job-store.js";
import { readRecord } from "../read-record.js";
import { DayTables } from "./day-tables.js";
import { setAside } from "./set-aside.js";
import type { SqliteDatabase } from "./sqlite-database.js";
import { finishedJobTables, upsertFinishedJobSql } from "./tables.js";

const insertSql = "INSERT INTO jobs (id, seq, user_id, guild_id, state, job) VALUES (?, ?, ?, ?, ?, ?)";
const saveSql =
  `${insertSql} ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, user_id = excluded.user_id, ` +
  "guild_id = excluded.guild_id, state = excluded.state, job = excluded.job";

/**
 * Jobs as JSON plus the columns queries need: unfinished ones in `jobs` (start-up reads them in
 * `seq` order), finished ones in their finish day's table, which retention drops whole
 * (`DayTables`). A job is in exactly one of them; its finish time never changes once finished.
 */
export class SqliteJobStore implements JobStore {
  readonly #db: SqliteDatabase;
  readonly #finished: DayTables;
  readonly #logger: Logger;
  readonly #now: () => number;

  constructor(db: SqliteDatabase, logger: Logger, options: { now?: () => number } = {}) {
    this.#db = db;
    this.#finished = new DayTables(db, finishedJobTables);
    this.#logger = logger;
    this.#now = options.now ?? Date.now;
  }

  async insert(job: QueuedJob): Promise<void> {
    await this.#db.run(insertSql, ...unfinishedValues(jobSchema.parse(job)));
  }

  async save(job: Job): Promise<void> {
    // Checked on the way in, so what is stored is what reads back.
    const valid = jobSchema.parse(job);
    if (!isClosed(valid)) {
      await this.#db.run(saveSql, ...unfinishedValues(valid));
      return;
    }
    await this.#saveFinished(valid);
  }

  async loadOpen(): Promise<{ jobs: Job[]; setAside: SetAsideRecord[] }> {
    const rows = await this.#db.all<{ id: string; job: string }>("SELECT id, job FROM jobs ORDER BY seq");
    const jobs: Job[] = [];
    const setAsideRecords: SetAsideRecord[] = [];
    for (const row of rows) {
      const read = readRecord(jobSchema, row.job);
      if (read.ok && read.value.id === row.id) {
        // A closed job here is one a crash or a hand edit left behind: file it by its end.
        if (isClosed(read.value)) await this.#saveFinished(read.value);
        else jobs.push(read.value);
        continue;
      }
      const reason = read.ok ? `stored under id ${row.id} but says ${read.value.id}` : read.reason;
      await this.#setAside(row.id, reason);
      setAsideRecords.push({ id: row.id, reason });
    }
    return { jobs, setAside: setAsideRecords };
  }

  async get(jobId: string): Promise<Job | undefined> {
    const finished = await this.#finished.union((table) => `SELECT job FROM ${table} WHERE id = ?1`);
    const sql = `SELECT job FROM jobs WHERE id = ?1${finished ? ` UNION ALL ${finished}` : ""} LIMIT 1`;
    const row = await this.#db.get<{ job: string }>(sql, jobId);
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
    const finished = await this.#finished.union((table) => `SELECT max(seq) AS s FROM ${table}`);
    const row = await this.#db.get<{ seq: number | null }>(
      `SELECT max(s) AS seq FROM (SELECT max(seq) AS s FROM jobs${finished ? ` UNION ALL ${finished}` : ""})`,
    );
    return row?.seq ?? 0;
  }

  async forgetUser(userId: string): Promise<number> {
    return this.#db.transaction(async (session) => {
      let deleted = await session.run("DELETE FROM jobs WHERE user_id = ?", userId);
      for (const table of await this.#finished.list(session)) {
        deleted += await session.run(`DELETE FROM ${table} WHERE user_id = ?`, userId);
      }
      // A set-aside job of the member still holds their prompt.
      await session.run("DELETE FROM set_aside WHERE source = 'jobs' AND user_id = ?", userId);
      return deleted;
    });
  }

  async pruneFinished(cutoff: number, options?: SweepOptions): Promise<number> {
    return this.#finished.prune(cutoff, options);
  }

  async #saveFinished(job: ClosedJob): Promise<void> {
    const table = await this.#db.transaction(async (session) => {
      const target = await this.#finished.ensure(session, job.finishedAt);
      await session.run("DELETE FROM jobs WHERE id = ?", job.id);
      // Normally a no-op: a finished job keeps its finish time. Should it change, the job must
      // not stay behind in the old day's table as well.
      const others = await this.#finished.union(
        (other) => `SELECT '${other}' AS t FROM ${other} WHERE id = ?1 AND '${other}' <> ?2`,
        session,
      );
      for (const row of others ? await session.all<{ t: string }>(others, job.id, target) : []) {
        await session.run(`DELETE FROM ${row.t} WHERE id = ?`, job.id);
      }
      await session.run(
        upsertFinishedJobSql(target),
        job.id,
        job.seq,
        job.userId,
        job.guildId,
        job.state,
        job.finishedAt,
        JSON.stringify(job),
      );
      return target;
    });
    await this.#finished.created(table);
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

function unfinishedValues(job: Job): unknown[] {
  return [job.id, job.seq, job.userId, job.guildId, job.state, JSON.stringify(job)];
}
