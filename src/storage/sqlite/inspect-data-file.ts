import { listDayTables } from "./day-tables.js";
import { schemaVersion } from "./schema.js";
import { SqliteDatabase } from "./sqlite-database.js";
import { finishedJobTables, resultTables } from "./tables.js";

/** What `doctor` and `restore` need to know about a data file, read without writing to it. */
export interface DataFileReport {
  /** Whether it has comfycord's tables at all (any SQLite file opens). */
  comfycord: boolean;
  /** The file's data format (`PRAGMA user_version`); 0 is the format before the own tables. */
  version: number;
  /** The format this version of comfycord writes. */
  currentVersion: number;
  /** Every stored record: jobs, result links, rate-limit records and key-value records. */
  records: number;
  jobs: number;
  unfinishedJobs: number;
  results: number;
  /** Records that could not be read back or converted, kept in `set_aside` for an operator. */
  setAside: number;
}

/** Opens the file read-only (safe beside a running bot) and counts what it holds. */
export async function inspectDataFile(file: string): Promise<DataFileReport> {
  const db = await SqliteDatabase.open(file, { mode: "read-only", busyTimeoutMs: 2000 });
  try {
    const tables = new Set(
      (await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")).map(
        (row) => row.name,
      ),
    );
    const count = async (table: string) =>
      tables.has(table) ? ((await db.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))?.n ?? 0) : 0;
    const countAll = async (names: string[]) => {
      let total = 0;
      for (const name of names) total += await count(name);
      return total;
    };
    const unfinishedJobs = await count("jobs");
    const jobs = unfinishedJobs + (await countAll(await listDayTables(db, finishedJobTables)));
    const results = await countAll(await listDayTables(db, resultTables));
    return {
      comfycord: tables.has("keyv") || tables.has("jobs"),
      version: (await db.get<{ user_version: number }>("PRAGMA user_version"))?.user_version ?? 0,
      currentVersion: schemaVersion,
      records: jobs + results + (await count("rate_limits")) + (await count("keyv")),
      jobs,
      unfinishedJobs,
      results,
      setAside: await count("set_aside"),
    };
  } finally {
    await db.close();
  }
}
