import type { Logger } from "pino";
import { StorageOpenError } from "../storage-error.js";
import type { SqliteDatabase } from "./sqlite-database.js";

/**
 * The data file's tables, versioned with `PRAGMA user_version`. A file of version 0 is either
 * new or written by comfycord before the own tables (everything in Keyv's `keyv` table): both
 * get every migration, and `importLegacyRecords` then moves the old records over.
 *
 * Only code in `src/storage/sqlite` knows these names. Append migrations; never edit one that
 * shipped. The per-day tables of finished jobs and result links are described in `tables.ts`.
 */
const migrations: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      -- Keyv's own table, as @keyv/sqlite creates it: settings, meta and ETA records live here.
      CREATE TABLE IF NOT EXISTS keyv(key VARCHAR(255) PRIMARY KEY, value TEXT );

      -- Unfinished jobs: the whole job as JSON, the fields queries need as columns. A job moves to
      -- its finish day's table (tables.ts) when it ends; result links live in day tables too.
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        guild_id TEXT NOT NULL,
        state TEXT NOT NULL,
        job TEXT NOT NULL
      );
      -- Start-up reads them in admission order.
      CREATE INDEX jobs_by_seq ON jobs (seq);
      CREATE INDEX jobs_by_user ON jobs (user_id);

      -- One row per member: their recent admission times, until every one is outside the window.
      CREATE TABLE rate_limits (
        user_id TEXT PRIMARY KEY,
        hits TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX rate_limits_by_expiry ON rate_limits (expires_at);

      -- Records that could not be read back or converted: kept for an operator, never loaded.
      CREATE TABLE set_aside (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        record_id TEXT NOT NULL,
        user_id TEXT,
        reason TEXT NOT NULL,
        data TEXT,
        set_aside_at INTEGER NOT NULL
      );
      CREATE INDEX set_aside_by_user ON set_aside (user_id);
    `,
  },
];

export const schemaVersion = migrations.at(-1)?.version ?? 0;

/**
 * Brings the file to `schemaVersion`. Each migration runs in its own write transaction that
 * re-reads the version, so two processes opening one file at once cannot both apply it.
 */
export async function migrate(db: SqliteDatabase, logger: Logger): Promise<void> {
  for (const migration of migrations) {
    const applied = await db.transaction(async (session) => {
      const row = await session.get<{ user_version: number }>("PRAGMA user_version");
      const current = row?.user_version ?? 0;
      if (current > schemaVersion) {
        throw new StorageOpenError(
          `${db.file} was written by a newer comfycord (data format ${current}; this version reads up to ` +
            `${schemaVersion}). Run the newer version, or restore a backup taken before the upgrade.`,
        );
      }
      if (current >= migration.version) return false;
      await session.exec(migration.sql);
      await session.exec(`PRAGMA user_version = ${migration.version}`);
      return true;
    });
    if (applied) logger.info({ version: migration.version, file: db.file }, "data file schema migrated");
  }
}
