import type { SweepOptions } from "../../queue/job-store.js";
import type { SqliteDatabase, SqliteSession } from "./sqlite-database.js";
import { breathe, sweep } from "./sweep.js";

const day = 86_400_000;

/** One kind of record kept in a table per UTC day of its time column. */
export interface DayTableSpec {
  /** A day's table is `<prefix>_<yyyymmdd>`. */
  prefix: string;
  /** Column definitions; one of them is `timeColumn`. */
  columns: string;
  /** Secondary indexes: name suffix → indexed columns. */
  indexes: Readonly<Record<string, string>>;
  timeColumn: string;
}

/**
 * Records that retention deletes by age, one table per UTC day.
 *
 * Deleting old rows from one big table is slow however it is batched: every deleted row also
 * leaves its random spot in the id and member indexes, so pruning half of a million jobs rewrote
 * about a million scattered index pages (tens of seconds of disk writes). A day past retention
 * is one `DROP TABLE` instead, a few milliseconds, and its pages are freed in one run that the
 * incremental vacuum gives back cheaply. Lookups by id read every day's index in one
 * `UNION ALL` statement (a day is a few dozen tables at most); only the day that straddles the
 * cutoff is pruned row by row.
 *
 * The list of tables is read once from the schema and kept up to date by this object: every
 * table is created and dropped through it, on the one connection.
 */
export class DayTables {
  readonly spec: DayTableSpec;
  readonly #db: SqliteDatabase;
  #names: Promise<string[]> | undefined;

  constructor(db: SqliteDatabase, spec: DayTableSpec) {
    this.#db = db;
    this.spec = spec;
  }

  /** The table for records whose time is `time` (epoch ms). */
  nameFor(time: number): string {
    return dayTableName(this.spec, time);
  }

  /**
   * Every day's table, oldest first. Inside a transaction pass its session: the connection
   * runs one caller at a time, so a read through the database itself would wait forever.
   */
  async list(via: SqliteSession = this.#db): Promise<string[]> {
    this.#names ??= listDayTables(via, this.spec);
    return [...(await this.#names)];
  }

  /** Creates the table for `time` in the caller's transaction; `created` once it committed. */
  async ensure(session: SqliteSession, time: number): Promise<string> {
    const name = this.nameFor(time);
    if (!(await this.list(session)).includes(name)) await session.exec(createDayTableSql(this.spec, name));
    return name;
  }

  /** Records a table made by `ensure` once its transaction committed. */
  async created(name: string): Promise<void> {
    const names = await this.list();
    if (!names.includes(name)) this.#names = Promise.resolve([...names, name].sort());
  }

  /**
   * One statement over every day: `part` gives each table's SELECT, joined with UNION ALL.
   * Undefined when there is no table yet.
   */
  async union(part: (table: string) => string, via?: SqliteSession): Promise<string | undefined> {
    const names = await this.list(via);
    return names.length === 0 ? undefined : names.map(part).join(" UNION ALL ");
  }

  /**
   * Deletes records whose time is before `cutoff`: whole days by dropping their table, the
   * day that straddles the cutoff in batches. Returns how many records went.
   */
  async prune(cutoff: number, options: SweepOptions = {}): Promise<number> {
    const pause = options.pause ?? breathe;
    const time = this.spec.timeColumn;
    let deleted = 0;
    for (const name of await this.list()) {
      if (options.signal?.aborted) break;
      const start = dayStartOf(this.spec, name);
      if (start >= cutoff) break;
      if (start + day <= cutoff) {
        const started = performance.now();
        deleted += await this.#db.transaction(async (session) => {
          const count = await session.get<{ n: number }>(`SELECT count(*) AS n FROM ${name}`);
          await session.exec(`DROP TABLE ${name}`);
          return count?.n ?? 0;
        });
        this.#names = Promise.resolve((await this.list()).filter((other) => other !== name));
        await pause(performance.now() - started);
      } else {
        deleted += await sweep(
          this.#db,
          `DELETE FROM ${name} WHERE rowid IN (SELECT rowid FROM ${name} WHERE ${time} < ? LIMIT ?)`,
          [cutoff],
          options,
        );
      }
    }
    return deleted;
  }
}

export function dayTableName(spec: DayTableSpec, time: number): string {
  if (!Number.isFinite(time)) throw new RangeError(`${spec.prefix}: time ${time} is not a number`);
  return `${spec.prefix}_${new Date(time).toISOString().slice(0, 10).replaceAll("-", "")}`;
}

export function createDayTableSql(spec: DayTableSpec, name: string): string {
  const indexes = Object.entries(spec.indexes).map(
    ([suffix, columns]) => `CREATE INDEX IF NOT EXISTS ${name}_${suffix} ON ${name} (${columns});`,
  );
  return [`CREATE TABLE IF NOT EXISTS ${name} (${spec.columns});`, ...indexes].join("\n");
}

/** Every day's table of `spec` in the file, oldest first (read from the schema). */
export async function listDayTables(db: SqliteSession, spec: DayTableSpec): Promise<string[]> {
  const rows = await db.all<{ name: string }>(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB ? ORDER BY name",
    `${spec.prefix}_${"[0-9]".repeat(8)}`,
  );
  return rows.map((row) => row.name);
}

function dayStartOf(spec: DayTableSpec, name: string): number {
  const digits = name.slice(spec.prefix.length + 1);
  return Date.UTC(Number(digits.slice(0, 4)), Number(digits.slice(4, 6)) - 1, Number(digits.slice(6, 8)));
}
