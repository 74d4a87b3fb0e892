import { copyFile, link, mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { lockDataDir } from "../storage/data-dir-lock.js";
import { inspectDataFile } from "../storage/sqlite/inspect-data-file.js";
import { DataDirLockedError } from "../storage/storage-error.js";
import { inputsFolderName } from "../storage/open-storage.js";
import { inputsBackupFolder, restoreInputs, type PictureCount } from "./backup-inputs.js";
import { OpsError } from "./ops-error.js";
import { isFile, pathExists } from "./path-exists.js";
import { openSqlite } from "./sqlite-connection.js";

export { dataFileName } from "../storage/open-storage.js";

export interface BackupResult {
  file: string;
  bytes: number;
}

export interface RestoreResult {
  dataFile: string;
  /** Where the data file that was replaced now lives; undefined when there was none. */
  previousFile: string | undefined;
  /** Records in the restored file: jobs, result links, rate-limit and key-value records. */
  records: number;
  /** Input pictures copied into `DATA_DIR/inputs` from the backup's `.inputs` folder, if it has one. */
  pictures: PictureCount | undefined;
}

/** `2026-11-22T00-06-23Z`: sorts by time and is a valid file name everywhere. */
export function fileTimestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replaceAll(":", "-");
}

export function defaultBackupFile(dataDir: string, date: Date): string {
  return path.join(dataDir, "backups", `comfycord-${fileTimestamp(date)}.sqlite`);
}

/**
 * Writes a consistent snapshot of `sourceFile` with `VACUUM INTO`, safe while the bot runs
 * (it reads inside one transaction, WAL included). Never overwrites: an existing `destFile`
 * is an error.
 */
export async function backupDatabase(sourceFile: string, destFile: string): Promise<BackupResult> {
  if (!(await isFile(sourceFile))) {
    throw new OpsError("source_missing", `no database at "${sourceFile}": check DATA_DIR`);
  }
  if (await pathExists(destFile)) {
    throw new OpsError("destination_exists", `"${destFile}" already exists; choose another file name`);
  }
  await mkdir(path.dirname(destFile), { recursive: true });
  // Write beside the target and link it into place: a crash leaves no half-written backup under
  // the real name, and link() fails if someone created the name meanwhile.
  const partial = `${destFile}.partial-${process.pid}`;
  await rm(partial, { force: true });
  try {
    const db = await openSqlite(sourceFile, "read-write");
    try {
      await db.run("VACUUM INTO ?", partial);
    } finally {
      await db.close();
    }
    await link(partial, destFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw new OpsError("destination_exists", `"${destFile}" already exists; choose another file name`);
    }
    throw new OpsError("backup_failed", `backup of "${sourceFile}" failed: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    await rm(partial, { force: true });
  }
  return { file: destFile, bytes: (await stat(destFile)).size };
}

/**
 * Replaces `dataFile` with `backupFile` after checking the backup (SQLite integrity check and
 * comfycord's tables). Only while the bot is stopped: it takes the bot's DATA_DIR lock for the
 * swap, so it refuses while a bot runs and no bot starts halfway. The replaced file is kept
 * beside it as `<name>.before-restore-<time>`.
 */
export async function restoreDatabase(
  backupFile: string,
  dataFile: string,
  now: () => Date = () => new Date(),
): Promise<RestoreResult> {
  if (!(await isFile(backupFile))) throw new OpsError("source_missing", `no backup file at "${backupFile}"`);
  await mkdir(path.dirname(dataFile), { recursive: true });
  let lock;
  try {
    lock = await lockDataDir(path.dirname(dataFile));
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    const bot = error.pid === undefined ? "a bot" : `a bot (pid ${error.pid})`;
    throw new OpsError(
      "database_in_use",
      `"${path.dirname(dataFile)}" is in use by ${bot}. Stop the bot, then restore.`,
      { cause: error },
    );
  }
  try {
    const restored = await swapIn(backupFile, dataFile, now);
    const pictures = inputsBackupFolder(backupFile);
    return {
      ...restored,
      pictures: (await pathExists(pictures))
        ? await restoreInputs(pictures, path.join(path.dirname(dataFile), inputsFolderName))
        : undefined,
    };
  } finally {
    await lock.release();
  }
}

async function swapIn(
  backupFile: string,
  dataFile: string,
  now: () => Date,
): Promise<Omit<RestoreResult, "pictures">> {
  // Check a copy, not the original: the copy is what goes into place, and opening it may
  // write (journal mode) without touching the operator's backup.
  const staged = `${dataFile}.restoring-${process.pid}`;
  await rm(staged, { force: true });
  try {
    await copyFile(backupFile, staged);
    const records = await checkBackup(staged, backupFile);
    let previousFile: string | undefined;
    if (await pathExists(dataFile)) {
      await settleCurrentFile(dataFile);
      previousFile = `${dataFile}.before-restore-${fileTimestamp(now())}`;
      await rename(dataFile, previousFile);
    }
    await rename(staged, dataFile);
    return { dataFile, previousFile, records };
  } catch (error) {
    if (error instanceof OpsError) throw error;
    throw new OpsError("restore_failed", `restore into "${dataFile}" failed: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    await rm(staged, { force: true });
  }
}

async function checkBackup(staged: string, label: string): Promise<number> {
  try {
    const db = await openSqlite(staged, "read-write");
    try {
      const integrity = await db.all<{ integrity_check: string }>("PRAGMA integrity_check");
      const problems = integrity.map((row) => row.integrity_check).filter((line) => line !== "ok");
      if (problems.length > 0) {
        throw new OpsError(
          "invalid_backup",
          `"${label}" failed SQLite's integrity check: ${problems.slice(0, 3).join("; ")}`,
        );
      }
      // A copy of a WAL database carries the WAL flag; the bot turns WAL back on when it opens.
      await db.run("PRAGMA journal_mode=DELETE");
    } finally {
      await db.close();
    }
    const data = await inspectDataFile(staged);
    if (!data.comfycord) {
      throw new OpsError("invalid_backup", `"${label}" is an SQLite database but not a comfycord one`);
    }
    if (data.version > data.currentVersion) {
      throw new OpsError(
        "invalid_backup",
        `"${label}" was written by a newer comfycord (data format ${data.version}); this version reads up to ${data.currentVersion}`,
      );
    }
    return data.records;
  } catch (error) {
    if (error instanceof OpsError) throw error;
    throw new OpsError(
      "invalid_backup",
      `"${label}" is not a usable SQLite database: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Proves no one else has the data file open and folds any leftover WAL into it. Leaving the
 * WAL mode needs exclusive access, so SQLite itself answers "is the bot running?"; and a stale
 * `-wal` beside a swapped-in file would be replayed onto the wrong database.
 */
async function settleCurrentFile(dataFile: string): Promise<void> {
  let db;
  try {
    db = await openSqlite(dataFile, "read-write", 1000);
  } catch {
    return; // unreadable: a damaged current file is what a restore is for, so move it aside as it is
  }
  try {
    await db.run("PRAGMA journal_mode=DELETE");
  } catch (error) {
    if ((error as { code?: string }).code === "SQLITE_BUSY") {
      throw new OpsError(
        "database_in_use",
        `"${dataFile}" is open in another process (is the bot running?). Stop the bot, then restore.`,
        { cause: error },
      );
    }
    // A damaged current file is what a restore is for: move it aside as it is.
  } finally {
    await db.close();
  }
  for (const suffix of ["-wal", "-shm"]) {
    if (await pathExists(`${dataFile}${suffix}`)) {
      throw new OpsError(
        "database_in_use",
        `"${dataFile}${suffix}" is still there, so the database may be in use. Stop the bot, then restore ` +
          "(if it is stopped and the file is damaged, move the -wal and -shm files away by hand).",
      );
    }
  }
}
