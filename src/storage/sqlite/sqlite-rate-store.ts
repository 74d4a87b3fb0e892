import type { Logger } from "pino";
import { z } from "zod";
import type { SweepOptions } from "../../queue/job-store.js";
import type { RateStore } from "../../queue/rate-store.js";
import { readRecord } from "../read-record.js";
import type { SqliteDatabase } from "./sqlite-database.js";
import { sweep } from "./sweep.js";

const hitsSchema = z.array(z.number());

/**
 * Rate-limit records in the `rate_limits` table, on the same connection as the jobs.
 *
 * Not a Keyv namespace, though it is key-value data: an admission writes its job and the member's
 * record together, and on one connection the two writes queue behind each other in microseconds,
 * while on Keyv's own connection the second one finds SQLite's write lock taken and sleeps in the
 * busy handler (1 ms at least). The indexed `expires_at` also lets retention drop expired records
 * with one range delete instead of reading every record's JSON.
 */
export class SqliteRateStore implements RateStore {
  readonly #db: SqliteDatabase;
  readonly #logger: Logger;
  readonly #now: () => number;

  constructor(db: SqliteDatabase, logger: Logger, options: { now?: () => number } = {}) {
    this.#db = db;
    this.#logger = logger;
    this.#now = options.now ?? Date.now;
  }

  async hits(userId: string): Promise<number[]> {
    const row = await this.#db.get<{ hits: string }>(
      "SELECT hits FROM rate_limits WHERE user_id = ? AND expires_at > ?",
      userId,
      this.#now(),
    );
    if (row === undefined) return [];
    const read = readRecord(hitsSchema, row.hits);
    if (read.ok) return read.value;
    // Forgetting a member's recent admissions lets them past the limit once, never blocks them.
    this.#logger.warn(
      { userId, reason: read.reason },
      "a stored rate-limit record cannot be read back; treating it as empty",
    );
    return [];
  }

  async save(userId: string, hits: readonly number[], expiresAt: number): Promise<void> {
    await this.#db.run(
      "INSERT INTO rate_limits (user_id, hits, expires_at) VALUES (?, ?, ?) " +
        "ON CONFLICT (user_id) DO UPDATE SET hits = excluded.hits, expires_at = excluded.expires_at",
      userId,
      JSON.stringify(hitsSchema.parse(hits)),
      expiresAt,
    );
  }

  async forgetUser(userId: string): Promise<boolean> {
    return (await this.#db.run("DELETE FROM rate_limits WHERE user_id = ?", userId)) > 0;
  }

  /** Deletes the records whose expiry passed by `now`; returns how many. */
  async expire(now: number, options?: SweepOptions): Promise<number> {
    return sweep(
      this.#db,
      "DELETE FROM rate_limits WHERE user_id IN (SELECT user_id FROM rate_limits WHERE expires_at <= ? LIMIT ?)",
      [now],
      options,
    );
  }
}
