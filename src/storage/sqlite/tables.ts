import type { DayTableSpec } from "./day-tables.js";

/*
 * The tables of records that retention deletes by age, one per UTC day (see `DayTables`). Their
 * layout is not in the schema migrations because the tables come and go with the days: a change
 * here needs a migration that alters every existing day's table.
 */

/** Finished jobs, by the day they finished. Unfinished jobs live in `jobs` (schema.ts). */
export const finishedJobTables: DayTableSpec = {
  prefix: "jobs_finished",
  columns:
    "id TEXT PRIMARY KEY, seq INTEGER NOT NULL, user_id TEXT NOT NULL, guild_id TEXT NOT NULL, " +
    "state TEXT NOT NULL, finished_at INTEGER NOT NULL, job TEXT NOT NULL",
  indexes: { by_user: "user_id", by_seq: "seq", by_finished_at: "finished_at" },
  timeColumn: "finished_at",
};

/** Result links (message id → what made the image), by the day the result was posted. */
export const resultTables: DayTableSpec = {
  prefix: "results",
  columns:
    "message_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, guild_id TEXT NOT NULL, channel_id TEXT NOT NULL, " +
    "created_at INTEGER NOT NULL, entry TEXT NOT NULL",
  indexes: { by_member: "user_id, guild_id, created_at, message_id", by_created_at: "created_at" },
  timeColumn: "created_at",
};

/** An upsert of one finished job into a day's table: id, seq, user, guild, state, finished_at, job. */
export function upsertFinishedJobSql(table: string): string {
  return (
    `INSERT INTO ${table} (id, seq, user_id, guild_id, state, finished_at, job) VALUES (?, ?, ?, ?, ?, ?, ?) ` +
    "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, user_id = excluded.user_id, guild_id = excluded.guild_id, " +
    "state = excluded.state, finished_at = excluded.finished_at, job = excluded.job"
  );
}

/** An upsert of one result link into a day's table: message, user, guild, channel, created_at, entry. */
export function upsertResultSql(table: string): string {
  return (
    `INSERT INTO ${table} (message_id, user_id, guild_id, channel_id, created_at, entry) VALUES (?, ?, ?, ?, ?, ?) ` +
    "ON CONFLICT (message_id) DO UPDATE SET user_id = excluded.user_id, guild_id = excluded.guild_id, " +
    "channel_id = excluded.channel_id, created_at = excluded.created_at, entry = excluded.entry"
  );
}
