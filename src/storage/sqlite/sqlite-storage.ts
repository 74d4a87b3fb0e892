import KeyvSqlite from "@keyv/sqlite";
import type { Logger } from "pino";
import type { SweepOptions } from "../../queue/job-store.js";
import type { InputSpool } from "../../queue/input-spool.js";
import type { OutputSpool } from "../../queue/output-spool.js";
import type { Storage } from "../storage.js";
import { z } from "zod";
import { etaSnapshotSchema } from "../../queue/eta-model.js";
import type { MetaStore } from "../meta-store.js";
import { NamespaceEtaStore } from "../namespace-eta-store.js";
import { KeyvNamespace } from "./keyv-namespace.js";
import { KeyvSettingsStore } from "./keyv-stores.js";
import { importLegacyRecords } from "./legacy/legacy-import.js";
import { ensureIncrementalVacuum, reclaimFreePages } from "./reclaim-space.js";
import { migrate } from "./schema.js";
import { SqliteDatabase } from "./sqlite-database.js";
import { SqliteJobStore } from "./sqlite-job-store.js";
import { SqliteRateStore } from "./sqlite-rate-store.js";
import { SqliteResultStore } from "./sqlite-result-store.js";

/**
 * Every writing connection's settings. NORMAL sync survives a process crash (only an OS crash
 * can lose the last commits) and saves an fsync per commit. A checkpoint (copying the
 * write-ahead log back into the file) syncs to disk twice and runs inside the commit that
 * crosses `wal_autocheckpoint` pages: at SQLite's default of 1000 pages about one admission in
 * a hundred paid for one (p99 3-6 ms here); at 10,000 pages (40 MiB) one in a thousand does.
 * (A checkpoint on a connection of its own did not do better: its disk syncs slowed the writes
 * running meanwhile, and under steady writes it never caught up, so the log only grew.)
 * `journal_size_limit` trims the -wal file back after each checkpoint.
 */
const walPragmas =
  "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=10000; PRAGMA journal_size_limit=50331648;";

export interface SqliteStorageOptions {
  file: string;
  logger: Logger;
  /** How long a statement waits for another connection's write lock before failing. */
  busyTimeoutMs?: number;
  now?: () => number;
  /** Called after the files are closed (releases the data folder's lock). */
  onClose?: () => Promise<void>;
  /** Where succeeded jobs' outputs wait to be posted: a folder beside the data file. */
  spool: OutputSpool;
  /** Where input pictures are kept: a folder beside the data file. */
  inputs: InputSpool;
}

/**
 * The embedded default: one SQLite file. Jobs, results and rate limits are the project's own
 * tables on one connection (queries, and an admission's two writes without lock contention);
 * settings, meta and ETA records are Keyv namespaces in the `keyv` table on a second one.
 */
export class SqliteStorage implements Storage {
  readonly jobs: SqliteJobStore;
  readonly rates: SqliteRateStore;
  readonly results: SqliteResultStore;
  readonly eta: NamespaceEtaStore;
  readonly settings: KeyvSettingsStore;
  readonly meta: MetaStore;
  readonly spool: OutputSpool;
  readonly inputs: InputSpool;
  readonly location: string;
  readonly #db: SqliteDatabase;
  readonly #keyv: KeyvSqlite;
  readonly #logger: Logger;
  readonly #onClose: (() => Promise<void>) | undefined;
  #closed = false;

  private constructor(db: SqliteDatabase, keyv: KeyvSqlite, options: SqliteStorageOptions) {
    const { logger, now = Date.now } = options;
    this.#db = db;
    this.#keyv = keyv;
    this.#logger = logger;
    this.#onClose = options.onClose;
    this.location = db.file;
    this.jobs = new SqliteJobStore(db, logger.child({ store: "jobs" }), { now });
    this.rates = new SqliteRateStore(db, logger.child({ store: "rates" }), { now });
    this.results = new SqliteResultStore(db, logger.child({ store: "results" }));
    // The namespaces and keys earlier versions used, so an upgraded data file keeps its values.
    this.eta = new NamespaceEtaStore(
      new KeyvNamespace(keyv, "queue-eta", etaSnapshotSchema, logger.child({ store: "eta" })),
    );
    this.settings = new KeyvSettingsStore(keyv, logger.child({ store: "settings" }));
    this.meta = new KeyvNamespace(keyv, "meta", z.string(), logger.child({ store: "meta" }));
    this.spool = options.spool;
    this.inputs = options.inputs;
  }

  /** Opens (or creates) the file, brings its schema up to date and moves old-format records over. */
  static async open(options: SqliteStorageOptions): Promise<SqliteStorage> {
    const { file, logger, busyTimeoutMs = 10_000, now = Date.now } = options;
    const db = await SqliteDatabase.open(file, { mode: "create", busyTimeoutMs });
    let keyv: KeyvSqlite | undefined;
    try {
      // auto_vacuum only takes on a file without tables, so it comes first; WAL lets Keyv's
      // connection read while this one writes.
      // Only a new, empty file: on any other this is a no-op that still wants to write.
      const pages = await db.get<{ page_count: number }>("PRAGMA page_count");
      if (pages?.page_count === 0) await db.exec("PRAGMA auto_vacuum=INCREMENTAL");
      const journal = await db.get<{ journal_mode: string }>("PRAGMA journal_mode=WAL");
      if (journal?.journal_mode !== "wal") {
        logger.warn(
          { file, journalMode: journal?.journal_mode },
          "the data file could not switch to WAL mode",
        );
      }
      await db.exec(walPragmas);
      await migrate(db, logger);
      await importLegacyRecords(db, logger, now());
      await ensureIncrementalVacuum(db, logger);
      keyv = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: busyTimeoutMs });
      // Also thrown to every query; this listener only keeps an emitted error from crashing.
      keyv.on("error", (error: unknown) => logger.debug({ err: error }, "Keyv connection error"));
      for (const pragma of walPragmas.split(";").filter((text) => text.trim() !== "")) {
        await keyv.query(pragma);
      }
      return new SqliteStorage(db, keyv, options);
    } catch (error) {
      if (keyv)
        await keyv
          .disconnect()
          .catch((closeError: unknown) =>
            logger.warn({ err: closeError }, "closing a half-opened Keyv connection failed"),
          );
      await db.close();
      throw error;
    }
  }

  async expireRateRecords(now: number, options?: SweepOptions): Promise<number> {
    return this.rates.expire(now, options);
  }

  async reclaimSpace(options: { signal?: AbortSignal } = {}): Promise<number> {
    return reclaimFreePages(this.#db, options);
  }

  async ping(): Promise<boolean> {
    try {
      await this.#db.get("SELECT 1");
      await this.#keyv.query("SELECT 1");
      return true;
    } catch (error) {
      this.#logger.warn({ err: error }, "storage health check failed");
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#keyv.disconnect();
      // The last connection to close folds the log into the file and removes it.
      await this.#db.close();
    } finally {
      await this.#onClose?.();
    }
  }
}
