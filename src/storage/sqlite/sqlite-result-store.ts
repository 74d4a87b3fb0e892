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
import type { SqliteDatabase } from "./sqlite-database.js";
import { sweep } from "./sweep.js";

const member = "user_id = ? AND guild_id = ?";

/**
 * Result links in the `results` table: the entry as JSON plus the columns `/history` pages by
 * (member, server, time) and retention prunes by, each backed by an index.
 */
export class SqliteResultStore implements ResultStore {
  readonly #db: SqliteDatabase;
  readonly #logger: Logger;

  constructor(db: SqliteDatabase, logger: Logger) {
    this.#db = db;
    this.#logger = logger;
  }

  async record(entry: ResultEntry): Promise<void> {
    const valid = resultEntrySchema.parse(entry);
    await this.#db.run(
      "INSERT INTO results (message_id, user_id, guild_id, channel_id, created_at, entry) VALUES (?, ?, ?, ?, ?, ?) " +
        "ON CONFLICT (message_id) DO UPDATE SET user_id = excluded.user_id, guild_id = excluded.guild_id, " +
        "channel_id = excluded.channel_id, created_at = excluded.created_at, entry = excluded.entry",
      valid.messageId,
      valid.userId,
      valid.guildId,
      valid.channelId,
      valid.createdAt,
      JSON.stringify(valid),
    );
  }

  async get(messageId: string): Promise<ResultEntry | undefined> {
    const row = await this.#db.get<{ entry: string }>(
      "SELECT entry FROM results WHERE message_id = ?",
      messageId,
    );
    return row === undefined ? undefined : this.#read(messageId, row.entry);
  }

  async remove(messageId: string): Promise<boolean> {
    return (await this.#db.run("DELETE FROM results WHERE message_id = ?", messageId)) > 0;
  }

  async page(query: ResultPageQuery): Promise<ResultPage> {
    // Two reads of one index range; run back to back on the connection, so they see the same rows.
    const rows = await this.#db.all<{ message_id: string; entry: string }>(
      `SELECT message_id, entry FROM results WHERE ${member} ` +
        "ORDER BY created_at DESC, message_id DESC LIMIT ? OFFSET ?",
      query.userId,
      query.guildId,
      query.limit,
      query.offset,
    );
    const count = await this.#db.get<{ total: number }>(
      `SELECT count(*) AS total FROM results WHERE ${member}`,
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
      const deleted = await session.run("DELETE FROM results WHERE user_id = ?", userId);
      await session.run("DELETE FROM set_aside WHERE source = 'results' AND user_id = ?", userId);
      return deleted;
    });
  }

  async pruneBefore(cutoff: number, options?: SweepOptions): Promise<number> {
    return sweep(
      this.#db,
      "DELETE FROM results WHERE rowid IN (SELECT rowid FROM results WHERE created_at < ? LIMIT ?)",
      [cutoff],
      options,
    );
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
