import { mkdir, access, constants } from "node:fs/promises";
import path from "node:path";
import Keyv from "keyv";
import KeyvSqlite from "@keyv/sqlite";
import type { Logger } from "pino";
import type { z } from "zod";
import { Collection } from "./collection.js";

export interface StoreOptions {
  /** Folder of the SQLite file; omitted means an in-memory store (tests, `generate --dry`). */
  dataDir?: string;
  fileName?: string;
  logger: Logger;
}

/** One SQL statement on the store's file; rows of a SELECT (or of `RETURNING`), else `[]`. */
export type SqlQuery = <Row = Record<string, unknown>>(sql: string, ...params: unknown[]) => Promise<Row[]>;

/** Thrown when the data folder cannot be used; `main` turns it into a start-up message. */
export class StoreOpenError extends Error {
  override readonly name = "StoreOpenError";
}

/**
 * The bot's persistence: one SQLite file, one Keyv namespace per kind of record.
 *
 * Each namespace gets its own Keyv + KeyvSqlite pair: @keyv/sqlite keeps the namespace
 * on the store object and its iterator reads it from there, so two Keyv instances must not
 * share one store object. The connections share the file; WAL mode and a busy timeout let
 * them write side by side.
 */
export class Store {
  readonly #collections = new Map<string, Keyv>();
  readonly #sqliteStores: KeyvSqlite[] = [];
  #maintenance: KeyvSqlite | undefined;
  readonly #logger: Logger;
  readonly filePath: string | undefined;

  private constructor(filePath: string | undefined, logger: Logger) {
    this.filePath = filePath;
    this.#logger = logger;
  }

  static async open(options: StoreOptions): Promise<Store> {
    if (options.dataDir === undefined) return new Store(undefined, options.logger);
    const dataDir = path.resolve(options.dataDir);
    try {
      await mkdir(dataDir, { recursive: true });
      await access(dataDir, constants.R_OK | constants.W_OK);
    } catch (error) {
      throw new StoreOpenError(
        `DATA_DIR "${dataDir}" is not a writable folder (${(error as Error).message}). ` +
          "Set DATA_DIR to a folder the bot's user can write, or fix its permissions.",
        { cause: error },
      );
    }
    const store = new Store(path.join(dataDir, options.fileName ?? "comfycord.sqlite"), options.logger);
    // Open one connection up front so a broken file fails start-up, not the first job.
    await store.#keyv("meta").get("open-check");
    return store;
  }

  /** A typed view of one namespace; reads are checked with `schema`. */
  collection<T>(name: string, schema: z.ZodType<T>): Collection<T> {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) {
      // `_` and `%` are LIKE wildcards in @keyv/sqlite's iterator query.
      throw new Error(`collection name "${name}" must be lowercase letters, digits and hyphens`);
    }
    return new Collection(this.#keyv(name), schema, this.#logger.child({ collection: name }));
  }

  #keyv(namespace: string): Keyv {
    const existing = this.#collections.get(namespace);
    if (existing) return existing;
    let keyv: Keyv;
    if (this.filePath === undefined) {
      keyv = new Keyv({ namespace });
    } else {
      const sqlite = new KeyvSqlite({
        uri: `sqlite://${this.filePath}`,
        busyTimeout: 10_000,
        iterationLimit: 1000,
      });
      this.#sqliteStores.push(sqlite);
      // WAL lets the per-namespace connections read while another writes; NORMAL sync is
      // durable across process crashes (only an OS crash can lose the last commits).
      void sqlite.query("PRAGMA journal_mode=WAL").catch(() => undefined);
      void sqlite.query("PRAGMA synchronous=NORMAL").catch(() => undefined);
      keyv = new Keyv({ store: sqlite, namespace });
    }
    keyv.on("error", (error: unknown) => this.#logger.error({ err: error, namespace }, "store error"));
    this.#collections.set(namespace, keyv);
    return keyv;
  }

  /**
   * Raw SQL on the `keyv` table (key `<namespace>:<id>`, value `{"value":…,"expires":…}` JSON), on
   * a connection of its own, for bulk maintenance Keyv can only do row by row (retention,
   * forget-me, `/history` lookups). Undefined for an in-memory store.
   */
  sql(): SqlQuery | undefined {
    const filePath = this.filePath;
    if (filePath === undefined) return undefined;
    if (!this.#maintenance) {
      const sqlite = new KeyvSqlite({ uri: `sqlite://${filePath}`, busyTimeout: 10_000 });
      this.#sqliteStores.push(sqlite);
      void sqlite.query("PRAGMA journal_mode=WAL").catch(() => undefined);
      this.#maintenance = sqlite;
    }
    const sqlite = this.#maintenance;
    return async <Row>(sql: string, ...params: unknown[]) => (await sqlite.query(sql, ...params)) as Row[];
  }

  /** A cheap read that fails when the database does: for `/healthz`. */
  async ping(): Promise<boolean> {
    try {
      await this.#keyv("meta").has("ping");
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    const stores = this.#sqliteStores.splice(0);
    this.#maintenance = undefined;
    this.#collections.clear();
    await Promise.all(stores.map(async (sqlite) => sqlite.disconnect()));
  }
}
