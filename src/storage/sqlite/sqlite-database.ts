import sqlite3 from "sqlite3";
import { StorageError, storageErrorFrom } from "../storage-error.js";

/** What a caller can run; inside `exclusive` the same calls go straight to the held connection. */
export interface SqliteSession {
  /** One statement; resolves with how many rows it changed. */
  run(sql: string, ...params: unknown[]): Promise<number>;
  all<Row>(sql: string, ...params: unknown[]): Promise<Row[]>;
  get<Row>(sql: string, ...params: unknown[]): Promise<Row | undefined>;
  /** Several statements without parameters (schema changes). */
  exec(sql: string): Promise<void>;
}

export type OpenMode = "create" | "read-write" | "read-only";

export interface SqliteOpenOptions {
  mode?: OpenMode;
  /** How long a statement waits for another connection's lock before failing with `busy`. */
  busyTimeoutMs: number;
}

/** Statements kept prepared, at most: the project's SQL is a small set of strings. */
const maxCachedStatements = 100;

/**
 * One node-sqlite3 connection that runs one statement at a time, in call order.
 *
 * node-sqlite3 may run a connection's queued statements in any order on its thread pool, so two
 * saves of one job could land swapped; here every call waits its turn. That is also what makes
 * one connection fast for the bot: its writes never contend for SQLite's write lock with each
 * other (a second connection that finds the lock taken sleeps in SQLite's busy handler, a
 * millisecond or more). `exclusive` holds the turn for a multi-statement transaction. Every
 * failure rejects as a `StorageError`.
 */
export class SqliteDatabase implements SqliteSession {
  readonly file: string;
  readonly #db: sqlite3.Database;
  readonly #busyTimeoutMs: number;
  readonly #statements = new Map<string, sqlite3.Statement>();
  readonly #waiting: Array<() => Promise<void>> = [];
  #pumping = false;
  #closed = false;
  #drained: (() => void) | undefined;

  private constructor(file: string, db: sqlite3.Database, busyTimeoutMs: number) {
    this.file = file;
    this.#db = db;
    this.#busyTimeoutMs = busyTimeoutMs;
  }

  static async open(file: string, options: SqliteOpenOptions): Promise<SqliteDatabase> {
    const mode = options.mode ?? "create";
    const flags =
      mode === "read-only"
        ? sqlite3.OPEN_READONLY
        : mode === "read-write"
          ? sqlite3.OPEN_READWRITE
          : sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE;
    const db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const opened: sqlite3.Database = new sqlite3.Database(file, flags, (error) =>
        error ? reject(storageErrorFrom(error, `open of ${file}`)) : resolve(opened),
      );
    });
    db.configure("busyTimeout", options.busyTimeoutMs);
    return new SqliteDatabase(file, db, options.busyTimeoutMs);
  }

  async run(sql: string, ...params: unknown[]): Promise<number> {
    return this.#turn(async () => this.#run(sql, params));
  }

  async all<Row>(sql: string, ...params: unknown[]): Promise<Row[]> {
    return this.#turn(async () => this.#all<Row>(sql, params));
  }

  async get<Row>(sql: string, ...params: unknown[]): Promise<Row | undefined> {
    return this.#turn(async () => (await this.#all<Row>(sql, params))[0]);
  }

  async exec(sql: string): Promise<void> {
    return this.#turn(async () => this.#exec(sql));
  }

  /** Runs `work` alone on the connection: no other caller's statement lands in between. */
  async exclusive<T>(work: (session: SqliteSession) => Promise<T>): Promise<T> {
    return this.#turn(async () => work(this.#session));
  }

  /** `work` inside `BEGIN IMMEDIATE … COMMIT`, rolled back when it throws. */
  async transaction<T>(work: (session: SqliteSession) => Promise<T>): Promise<T> {
    return this.exclusive(async (session) => {
      await session.exec("BEGIN IMMEDIATE");
      let result: T;
      try {
        result = await work(session);
      } catch (error) {
        await this.#rollback();
        throw error;
      }
      try {
        await session.exec("COMMIT");
      } catch (error) {
        await this.#rollback();
        throw error;
      }
      return result;
    });
  }

  /** Waits for the calls already made, then closes; later calls reject with `closed`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pumping || this.#waiting.length > 0) {
      await new Promise<void>((resolve) => (this.#drained = resolve));
    }
    for (const statement of this.#statements.values()) {
      await new Promise<void>((resolve) => statement.finalize(() => resolve()));
    }
    this.#statements.clear();
    await new Promise<void>((resolve, reject) =>
      this.#db.close((error) => (error ? reject(storageErrorFrom(error, "close")) : resolve())),
    );
  }

  readonly #session: SqliteSession = {
    run: async (sql, ...params) => this.#run(sql, params),
    all: async <Row>(sql: string, ...params: unknown[]) => this.#all<Row>(sql, params),
    get: async <Row>(sql: string, ...params: unknown[]) => (await this.#all<Row>(sql, params))[0],
    exec: async (sql) => this.#exec(sql),
  };

  async #turn<T>(task: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new StorageError("closed", `storage ${this.file} is closed`));
    return new Promise<T>((resolve, reject) => {
      // The task's outcome goes to its caller; the queue only needs to know it is done.
      this.#waiting.push(async () => task().then(resolve, reject));
      if (!this.#pumping) void this.#pump();
    });
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    for (let next = this.#waiting.shift(); next; next = this.#waiting.shift()) await next();
    this.#pumping = false;
    this.#drained?.();
  }

  async #rollback(): Promise<void> {
    try {
      await this.#exec("ROLLBACK");
    } catch {
      // "no transaction is active": SQLite already rolled it back (it does on SQLITE_FULL, for
      // one). Nothing is left half-written either way; the caller gets the error that caused it.
    }
  }

  async #prepare(sql: string): Promise<sqlite3.Statement> {
    const cached = this.#statements.get(sql);
    if (cached) return cached;
    const statement = await new Promise<sqlite3.Statement>((resolve, reject) => {
      const prepared: sqlite3.Statement = this.#db.prepare(sql, (error: Error | null) =>
        error ? reject(error) : resolve(prepared),
      );
    });
    if (!/^\s*PRAGMA/i.test(sql)) {
      // The oldest goes first: statements over day tables change as the days go by.
      const oldest =
        this.#statements.size >= maxCachedStatements ? this.#statements.keys().next() : undefined;
      if (oldest && !oldest.done) {
        this.#statements.get(oldest.value)?.finalize();
        this.#statements.delete(oldest.value);
      }
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  async #run(sql: string, params: unknown[]): Promise<number> {
    const statement = await this.#prepared(sql);
    try {
      const changes = await new Promise<number>((resolve, reject) => {
        statement.run(params, function (this: sqlite3.RunResult, error: Error | null) {
          if (error) reject(error);
          else resolve(this.changes);
        });
      });
      this.#release(sql, statement);
      return changes;
    } catch (error) {
      await this.#discard(sql, statement);
      throw this.#failure(error, sql);
    }
  }

  async #all<Row>(sql: string, params: unknown[]): Promise<Row[]> {
    const statement = await this.#prepared(sql);
    try {
      const rows = await new Promise<Row[]>((resolve, reject) => {
        statement.all<Row>(params, (error, found) => (error ? reject(error) : resolve(found)));
      });
      this.#release(sql, statement);
      return rows;
    } catch (error) {
      await this.#discard(sql, statement);
      throw this.#failure(error, sql);
    }
  }

  async #prepared(sql: string): Promise<sqlite3.Statement> {
    try {
      return await this.#prepare(sql);
    } catch (error) {
      throw this.#failure(error, sql);
    }
  }

  /**
   * A statement that failed mid-step (busy, full) is still active: SQLite keeps the connection's
   * implicit transaction open for it, so every later write would join that transaction and never
   * be committed (and a later COMMIT fails with "SQL statements in progress"). It is reset,
   * dropped from the cache and finalized before the next statement runs.
   */
  async #discard(sql: string, statement: sqlite3.Statement): Promise<void> {
    if (this.#statements.get(sql) === statement) this.#statements.delete(sql);
    await new Promise<void>((resolve) => statement.reset(() => resolve()));
    await new Promise<void>((resolve) => statement.finalize(() => resolve()));
  }

  async #exec(sql: string): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) =>
        this.#db.exec(sql, (error) => (error ? reject(error) : resolve())),
      );
    } catch (error) {
      throw this.#failure(error, sql);
    }
  }

  /** Statements not kept in the cache are finalized once used. */
  #release(sql: string, statement: sqlite3.Statement): void {
    if (this.#statements.get(sql) !== statement) statement.finalize();
  }

  #failure(error: unknown, sql: string): StorageError {
    return storageErrorFrom(error, `"${sql.trim().split(/\s+/).slice(0, 4).join(" ")} …"`, {
      busy: `another connection held the write lock for over ${this.#busyTimeoutMs} ms`,
    });
  }
}
