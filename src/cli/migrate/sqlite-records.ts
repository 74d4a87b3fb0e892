import { z } from "zod";
import { resultEntrySchema } from "../../history/result-store.js";
import { jobSchema } from "../../queue/job.js";
import { readRecord } from "../../storage/read-record.js";
import { listDayTables } from "../../storage/sqlite/day-tables.js";
import { SqliteDatabase } from "../../storage/sqlite/sqlite-database.js";
import { finishedJobTables, resultTables } from "../../storage/sqlite/tables.js";
import type { Storage } from "../../storage/storage.js";
import { jobRecord, type StoreReader, type StoreRecord } from "./store-record.js";

const hitsSchema = z.array(z.number());

/**
 * Every record of a SQLite data file: jobs (the `jobs` table and each day's finished table),
 * result links (each day's table) and rate records read from a read-only connection beside the
 * opened storage; settings, meta and ETA records read back through the storage's ports, so Keyv
 * decodes them. `storage` must be open on the same file (and hold its folder's lock).
 */
export class SqliteRecords implements StoreReader {
  readonly #file: string;
  readonly #storage: Storage;
  #unreadable = 0;

  constructor(file: string, storage: Storage) {
    this.#file = file;
    this.#storage = storage;
  }

  get unreadable(): number {
    return this.#unreadable;
  }

  async *records(): AsyncGenerator<StoreRecord> {
    const db = await SqliteDatabase.open(this.#file, { mode: "read-only", busyTimeoutMs: 10_000 });
    try {
      const jobTables = ["jobs", ...(await listDayTables(db, finishedJobTables))];
      for (const table of jobTables) {
        for (const row of await db.all<{ id: string; job: string }>(
          `SELECT id, job FROM ${table} ORDER BY seq`,
        )) {
          const read = readRecord(jobSchema, row.job);
          if (read.ok && read.value.id === row.id) yield await jobRecord(read.value, this.#storage);
          else this.#unreadable++;
        }
      }
      for (const table of await listDayTables(db, resultTables)) {
        for (const row of await db.all<{ entry: string }>(`SELECT entry FROM ${table} ORDER BY created_at`)) {
          const read = readRecord(resultEntrySchema, row.entry);
          if (read.ok) yield { kind: "result", entry: read.value };
          else this.#unreadable++;
        }
      }
      const rates = await db.all<{ user_id: string; hits: string; expires_at: number }>(
        "SELECT user_id, hits, expires_at FROM rate_limits ORDER BY user_id",
      );
      for (const row of rates) {
        const read = readRecord(hitsSchema, row.hits);
        if (read.ok) yield { kind: "rate", userId: row.user_id, hits: read.value, expiresAt: row.expires_at };
        else this.#unreadable++;
      }
      for (const key of await keyvKeys(db, "settings")) {
        const record = await this.#storage.settings.get(key);
        if (record) yield { kind: "settings", key, record };
        else this.#unreadable++;
      }
      for (const key of await keyvKeys(db, "meta")) {
        const value = await this.#storage.meta.get(key);
        if (value !== undefined) yield { kind: "meta", key, value };
        else this.#unreadable++;
      }
    } finally {
      await db.close();
    }
    const snapshot = await this.#storage.eta.load();
    if (snapshot) yield { kind: "eta", snapshot };
  }
}

/** The keys of one Keyv namespace in the `keyv` table, without the namespace. */
async function keyvKeys(db: SqliteDatabase, namespace: string): Promise<string[]> {
  const rows = await db.all<{ key: string }>(
    "SELECT key FROM keyv WHERE substr(key, 1, ?) = ? ORDER BY key",
    namespace.length + 1,
    `${namespace}:`,
  );
  return rows.map((row) => row.key.slice(namespace.length + 1));
}
