import type KeyvSqlite from "@keyv/sqlite";
import Keyv from "keyv";
import type { Logger } from "pino";
import { z } from "zod";
import { StorageError, storageErrorFrom } from "../storage-error.js";

const keyRowsSchema = z.array(z.object({ key: z.string() }));

/**
 * One Keyv namespace of the data file with checked reads and writes that fail loudly.
 *
 * Keyv catches a store's errors and answers `undefined`/`false` unless `throwOnErrors` is set, so
 * a write that never landed looked done: here every store error rejects as a `StorageError`. A
 * record that no longer parses or matches its schema (a hand edit, a downgrade) is logged with its
 * key and read as absent: one bad record must not take a feature down.
 */
export class KeyvNamespace<T> {
  readonly #keyv: Keyv;
  readonly #sqlite: KeyvSqlite;
  readonly #namespace: string;
  readonly #schema: z.ZodType<T>;
  readonly #logger: Logger;

  constructor(sqlite: KeyvSqlite, namespace: string, schema: z.ZodType<T>, logger: Logger) {
    // Namespaces may share one KeyvSqlite (one connection): Keyv prefixes every key itself, and the
    // store's own `namespace` field, which the last Keyv overwrites, only matters to `clear()` and
    // Keyv's iterator, neither of which is used here.
    this.#keyv = new Keyv({ store: sqlite, namespace, throwOnErrors: true });
    this.#keyv.on("error", (error: unknown) =>
      // Also thrown to the caller, who decides; this line only says which namespace it was.
      logger.debug({ err: error, namespace }, "Keyv store error"),
    );
    this.#sqlite = sqlite;
    this.#namespace = namespace;
    this.#schema = schema;
    this.#logger = logger;
  }

  async get(key: string): Promise<T | undefined> {
    let raw: unknown;
    try {
      raw = await this.#keyv.get(key);
    } catch (error) {
      // Keyv parses the row after reading it: a SyntaxError is the record, not the store.
      if (error instanceof SyntaxError) return this.#bad(key, `not JSON (${error.message})`);
      throw storageErrorFrom(error, `read of ${this.#namespace}:${key}`);
    }
    if (raw === undefined) return undefined;
    const parsed = this.#schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    return this.#bad(
      key,
      `does not match its schema (${issue?.path.join(".") ?? ""}: ${issue?.message ?? ""})`,
    );
  }

  async set(key: string, value: T): Promise<void> {
    const valid = this.#schema.parse(value);
    let stored: boolean;
    try {
      stored = await this.#keyv.set(key, valid);
    } catch (error) {
      throw storageErrorFrom(error, `write of ${this.#namespace}:${key}`);
    }
    if (!stored) throw new StorageError("failed", `storage write of ${this.#namespace}:${key} was refused`);
  }

  async delete(key: string): Promise<boolean> {
    try {
      return await this.#keyv.delete(key);
    } catch (error) {
      throw storageErrorFrom(error, `delete of ${this.#namespace}:${key}`);
    }
  }

  /**
   * Keys (without the namespace) that start with `prefix` and whose record has `field` equal to
   * `value`, straight from the table: one indexed range instead of Keyv's iterator, which pages
   * with OFFSET and rescans the table for every page.
   */
  async keysWhere(prefix: string, field: string, value: string): Promise<string[]> {
    if (!/^[A-Za-z]\w*$/.test(field)) throw new Error(`invalid field name ${field}`);
    const lower = `${this.#namespace}:${prefix}`;
    const upper = lower.slice(0, -1) + String.fromCharCode(lower.charCodeAt(lower.length - 1) + 1);
    let rows: unknown;
    try {
      rows = await this.#sqlite.query(
        `SELECT key FROM keyv WHERE key >= ? AND key < ? AND json_valid(value) ` +
          `AND json_extract(value, '$.value.${field}') = ? ORDER BY key`,
        lower,
        upper,
        value,
      );
    } catch (error) {
      throw storageErrorFrom(error, `listing of ${lower}*`);
    }
    return keyRowsSchema.parse(rows).map((row) => row.key.slice(this.#namespace.length + 1));
  }

  #bad(key: string, reason: string): undefined {
    this.#logger.warn(
      { namespace: this.#namespace, key, reason },
      "a stored record cannot be read back; treating it as absent",
    );
    return undefined;
  }
}
