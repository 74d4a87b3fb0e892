/**
 * The storage's errors. `StorageOpenError` (and its `DataDirLockedError`) are start-up problems an
 * operator fixes, printed as one line without a stack; `StorageError` is a read or write that did
 * not happen while the bot runs, for the caller to handle (a job is not accepted unless stored).
 */

/** DATA_DIR cannot be used: not a folder, not writable, a file from a newer version. */
export class StorageOpenError extends Error {
  override readonly name: string = "StorageOpenError";
}

/** Another process holds the one-bot-per-folder lock on DATA_DIR. */
export class DataDirLockedError extends StorageOpenError {
  override readonly name = "DataDirLockedError";
  readonly dataDir: string;
  /** The holder's process id, from the pid file it wrote; undefined when it could not be read. */
  readonly pid: number | undefined;

  constructor(dataDir: string, pid: number | undefined) {
    const who = pid === undefined ? "Another comfycord process" : `Another comfycord process (pid ${pid})`;
    super(`${who} is already using DATA_DIR "${dataDir}": stop it first, or give this one its own DATA_DIR.`);
    this.dataDir = dataDir;
    this.pid = pid;
  }
}

/**
 * Why a read or write failed, for callers that answer differently (a full disk is worth an
 * operator alert, a busy store a retry).
 * - `busy`: another connection held the write lock for longer than the busy timeout;
 * - `read_only`: the file or its folder cannot be written (permissions, a read-only mount);
 * - `full`: the disk (or the database's page limit) is full;
 * - `io`: the operating system reported an I/O error;
 * - `corrupt`: the file is damaged;
 * - `conflict`: a constraint refused the write (e.g. a job id stored twice);
 * - `closed`: the storage was closed;
 * - `failed`: anything else.
 */
export type StorageFailure =
  "busy" | "read_only" | "full" | "io" | "corrupt" | "conflict" | "closed" | "failed";

export class StorageError extends Error {
  override readonly name = "StorageError";
  readonly failure: StorageFailure;

  constructor(failure: StorageFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.failure = failure;
  }
}

const failureBySqliteCode: Record<string, StorageFailure> = {
  SQLITE_BUSY: "busy",
  SQLITE_LOCKED: "busy",
  SQLITE_READONLY: "read_only",
  SQLITE_PERM: "read_only",
  SQLITE_CANTOPEN: "read_only",
  SQLITE_FULL: "full",
  SQLITE_IOERR: "io",
  SQLITE_CORRUPT: "corrupt",
  SQLITE_NOTADB: "corrupt",
  SQLITE_CONSTRAINT: "conflict",
  SQLITE_MISUSE: "closed",
  // The output folder's file system errors.
  ENOSPC: "full",
  EDQUOT: "full",
  EACCES: "read_only",
  EPERM: "read_only",
  EROFS: "read_only",
  EIO: "io",
};

/** Any error from SQLite (node-sqlite3 sets `code`, e.g. `SQLITE_BUSY`) or the file system as a `StorageError`. */
export function storageErrorFrom(
  error: unknown,
  doing: string,
  hints: Partial<Record<StorageFailure, string>> = {},
): StorageError {
  if (error instanceof StorageError) return error;
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  const failure = failureBySqliteCode[code] ?? "failed";
  const detail = error instanceof Error ? error.message : String(error);
  const hint = hints[failure];
  return new StorageError(failure, `storage ${doing} failed: ${detail}${hint ? ` (${hint})` : ""}`, {
    cause: error,
  });
}
