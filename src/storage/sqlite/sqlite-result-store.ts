import type { Logger } from "pino";
import {
  resultEntrySchema,
  type ResultEntry,
  type ResultPage,
  type ResultPageQuery,
  type ResultStore,
} from "../../history/result-store.js";
import type { SweepOptions } from "../../queue/job-store.js";
import { readRecord } from "../read-record.js";
import { DayTables } from "./day-tables.js";
import type { SqliteDatabase, SqliteSession } from "./sqlite-database.js";
import { resultTables, upsertResultSql } from "./tables.js";

const member = "user_id = ?1 AND guild_id = ?2";

/**
 * Result links as JSON plus the columns `/history` pages by (member, server, time), in one
 * table per day of posting, which retention drops whole (`DayTables`).
 */
export class SqliteResultStore implements ResultStore {
  readonly #db: SqliteDatabase;
  readonly #days: DayTables;
  readonly #logger: Logger;

  constructor(db: SqliteDatabase, logger: Logger) {
    this.#db = db;
    this.#days = new DayTables(db, resultTables);
    this.#logger = logger;
  }

  async record(entry: ResultEntry): Promise<void> {
    const valid = resultEntrySchema.parse(entry);
    const table = await this.#db.transaction(async (session) => {
      const target = await this.#days.ensure(session, valid.createdAt);
      // Recorded again with another time (not done today): one copy, in the right day.
      for (const other of await this.#tablesHolding(valid.messageId, session)) {
        if (other !== target) await session.run(`DELETE FROM ${other} WHERE message_id = ?`, valid.messageId);
      }
      await session.run(
        upsertResultSql(target),
        valid.messageId,
        valid.userId,
        valid.guildId,
        valid.channelId,
        valid.createdAt,
        JSON.stringify(valid),
      );
      return target;
    });
    await this.#days.created(table);
  }

  async get(messageId: string): Promise<ResultEntry | undefined> {
    const sql = await this.#days.union((table) => `SELECT entry FROM ${table} WHERE message_id = ?1`);
    if (sql === undefined) return undefined;
    const row = await this.#db.get<{ entry: string }>(`${sql} LIMIT 1`, messageId);
    return row === undefined ? undefined : this.#read(messageId, row.entry);
  }

  async remove(messageId: string): Promise<boolean> {
    return this.#db.transaction(async (session) => {
      let removed = 0;
      for (const table of await this.#tablesHolding(messageId, session)) {
        removed += await session.run(`DELETE FROM ${table} WHERE message_id = ?`, messageId);
      }
      return removed > 0;
    });
  }

  async page(query: ResultPageQuery): Promise<ResultPage> {
    const rowsSql = await this.#days.union(
      (table) => `SELECT message_id, created_at, entry FROM ${table} WHERE ${member}`,
    );
    const countSql = await this.#days.union((table) => `SELECT count(*) AS n FROM ${table} WHERE ${member}`);
    if (rowsSql === undefined || countSql === undefined) return { entries: [], total: 0 };
    // Back to back on the one connection, so both see the same rows.
    const rows = await this.#db.all<{ message_id: string; entry: string }>(
      `SELECT message_id, entry FROM (${rowsSql}) ORDER BY created_at DESC, message_id DESC LIMIT ?3 OFFSET ?4`,
      query.userId,
      query.guildId,
      query.limit,
      query.offset,
    );
    const count = await this.#db.get<{ total: number | null }>(
      `SELECT sum(n) AS total FROM (${countSql})`,
      query.userId,
      query.guildId,
    );
    const entries: ResultEntry[] = [];
    for (const row of rows) {
      const entry = this.#read(row.message_id, row.entry);
      if (entry) entries.push(entry);
    }
    return { entries, total: count?.total ?? 0 };
  }

  async forgetUser(userId: string): Promise<number> {
    return this.#db.transaction(async (session) => {
      let deleted = 0;
      for (const table of await this.#days.list(session)) {
        deleted += await session.run(`DELETE FROM ${table} WHERE user_id = ?`, userId);
      }
      await session.run("DELETE FROM set_aside WHERE source = 'results' AND user_id = ?", userId);
      return deleted;
    });
  }

  async pruneBefore(cutoff: number, options?: SweepOptions): Promise<number> {
    return this.#days.prune(cutoff, options);
  }

  async #tablesHolding(messageId: string, session: SqliteSession): Promise<string[]> {
    const sql = await this.#days.union(
      (table) => `SELECT '${table}' AS t FROM ${table} WHERE message_id = ?1`,
      session,
    );
    return sql === undefined ? [] : (await session.all<{ t: string }>(sql, messageId)).map((row) => row.t);
  }

  #read(messageId: string, text: string): ResultEntry | undefined {
    const read = readRecord(resultEntrySchema, text);
    if (read.ok) return read.value;
    this.#logger.warn(
      { messageId, reason: read.reason },
      "a stored result cannot be read back; treating it as absent",
    );
    return undefined;
  }
}
