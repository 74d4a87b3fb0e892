import type { Logger } from "pino";
import { StorageOpenError } from "../storage-error.js";
import { formatOneSql } from "./migrations/format-1.js";
import { toDayTables } from "./migrations/to-day-tables.js";
import type { SqliteDatabase, SqliteSession } from "./sqlite-database.js";

/**
 * The data file's tables, versioned with `PRAGMA user_version`. A file of version 0 is either
 * new or written by comfycord before the own tables (everything in Keyv's `keyv` table): both
 * get every migration, and `importLegacyRecords` then moves the old records over.
 *
 * Only code in `src/storage/sqlite` knows these names. Append migrations; never edit one that
 * shipped. The per-day tables of finished jobs and result links are described in `tables.ts`;
 * each version's layout is in `migrations/`.
 */
interface Migration {
  version: number;
  up: (session: SqliteSession) => Promise<void>;
}

const migrations: readonly Migration[] = [
  { version: 1, up: async (session) => session.exec(formatOneSql) },
  { version: 2, up: toDayTables },
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
      await migration.up(session);
      await session.exec(`PRAGMA user_version = ${migration.version}`);
      return true;
    });
    if (applied) logger.info({ version: migration.version, file: db.file }, "data file schema migrated");
  }
}
