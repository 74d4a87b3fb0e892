import { existsSync } from "node:fs";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import sqlite3 from "sqlite3";
import { DataDirLockedError, storageErrorFrom } from "./storage-error.js";

/** An empty SQLite database whose exclusive lock is the bot's claim on the folder. */
export const lockFileName = "comfycord.lock";
/** Who holds the claim, for the message a second process prints. Informational only. */
export const pidFileName = "comfycord.pid";

/**
 * How long taking the lock waits: long enough to ride out `doctor` reading it for a moment,
 * short enough that a second bot fails at once.
 */
const acquireTimeoutMs = 500;

export interface DataDirLock {
  readonly dataDir: string;
  release: () => Promise<void>;
}

/**
 * Claims DATA_DIR for this process: one bot per data folder, so no job is dispatched twice.
 *
 * The claim is an open `BEGIN EXCLUSIVE` transaction on `comfycord.lock`, a small SQLite database
 * beside the data file. SQLite takes it as an fcntl lock, which the operating system drops when
 * the process ends however it ends, so a crash or SIGKILL cannot leave the folder claimed.
 * (Nothing in Node offers flock; SQLite is already here.) The holder then writes its pid to
 * `comfycord.pid` for the message a second process prints; a pid file left by a crash is
 * harmless, as the lock alone decides. fcntl locks do not hold across some network file
 * systems: keep DATA_DIR on a local disk.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const db = await openLockDatabase(path.join(dataDir, lockFileName), "create");
  db.configure("busyTimeout", acquireTimeoutMs);
  try {
    await exec(db, "BEGIN EXCLUSIVE");
  } catch (error) {
    await close(db);
    if (isBusy(error)) throw new DataDirLockedError(dataDir, await readHolderPid(dataDir));
    throw storageErrorFrom(error, `lock of ${dataDir}`);
  }
  const pidFile = path.join(dataDir, pidFileName);
  try {
    // Written beside and renamed, so a reader never sees half a pid.
    await writeFile(`${pidFile}.${process.pid}`, `${process.pid}\n`);
    await rename(`${pidFile}.${process.pid}`, pidFile);
  } catch (error) {
    await close(db);
    throw storageErrorFrom(error, `write of ${pidFile}`);
  }
  let released = false;
  return {
    dataDir,
    release: async () => {
      if (released) return;
      released = true;
      // The pid file goes first: once the lock is free another process may write its own.
      if ((await readHolderPid(dataDir)) === process.pid) await rm(pidFile, { force: true });
      await close(db);
    },
  };
}

export type LockState = { held: false } | { held: true; pid: number | undefined };

/**
 * Whether a process holds DATA_DIR, without claiming it (for `doctor`): a read of the lock
 * database needs a shared lock, which the holder's exclusive lock refuses at once.
 */
export async function probeDataDirLock(dataDir: string): Promise<LockState> {
  const file = path.join(dataDir, lockFileName);
  if (!existsSync(file)) return { held: false };
  const db = await openLockDatabase(file, "read-only");
  // node-sqlite3 waits 1 s by default; a held lock should answer at once.
  db.configure("busyTimeout", 0);
  try {
    await exec(db, "SELECT count(*) FROM sqlite_master");
    return { held: false };
  } catch (error) {
    if (!isBusy(error)) throw storageErrorFrom(error, `read of ${file}`);
    return { held: true, pid: await readHolderPid(dataDir) };
  } finally {
    await close(db);
  }
}

/** The pid in the pid file, if it holds one. */
export async function readHolderPid(dataDir: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(path.join(dataDir, pidFileName), "utf8"), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    // No pid file yet (the holder is between taking the lock and writing it): the message
    // then says "another process" without a pid, which is still true.
    return undefined;
  }
}

function isBusy(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "SQLITE_BUSY";
}

async function openLockDatabase(file: string, mode: "create" | "read-only"): Promise<sqlite3.Database> {
  const flags = mode === "create" ? sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE : sqlite3.OPEN_READONLY;
  return new Promise((resolve, reject) => {
    const db: sqlite3.Database = new sqlite3.Database(file, flags, (error) =>
      error ? reject(storageErrorFrom(error, `open of ${file}`)) : resolve(db),
    );
  });
}

async function exec(db: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));
}

/** Closing the connection ends its transaction and with it the lock. */
async function close(db: sqlite3.Database): Promise<void> {
  return new Promise((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
}
