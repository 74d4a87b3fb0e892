import { constants } from "node:fs";
import { access, mkdir } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { lockDataDir } from "./data-dir-lock.js";
import { FileInputSpool } from "./file-input-spool.js";
import { FileOutputSpool } from "./file-output-spool.js";
import type { StoreTarget } from "../config/store-url.js";
import { MemoryStorage } from "./memory/memory-storage.js";
import { botClientName } from "./redis/connected-bots.js";
import { RedisStorage } from "./redis/redis-storage.js";
import { SqliteStorage } from "./sqlite/sqlite-storage.js";
import type { Storage } from "./storage.js";
import { StorageOpenError } from "./storage-error.js";

/** The data file inside DATA_DIR. */
export const dataFileName = "comfycord.sqlite";
/** Succeeded jobs' output files inside DATA_DIR, until they are posted. */
export const outputsFolderName = "outputs";
/** Pictures jobs start from inside DATA_DIR, kept as long as the result index. */
export const inputsFolderName = "inputs";

export interface OpenStorageOptions {
  /** The data folder; omitted means everything in memory (tests, the terminal's `generate`). */
  dataDir?: string | undefined;
  /**
   * `STORE_URL` as configured: Redis puts every port there and `dataDir` is not used (several
   * bot processes may share one Redis, so no folder lock is taken); SQLite (the default) means
   * the file in `dataDir`.
   */
  store?: StoreTarget | undefined;
  /** On Redis: the name this connection shows in `CLIENT LIST` (default "comfycord"). */
  clientName?: string;
  logger: Logger;
  /**
   * Claim DATA_DIR for this process (the default): a second bot on the same folder fails with
   * `DataDirLockedError`. Tools that may run beside the bot (`register`) pass false.
   */
  lock?: boolean;
  /** How long a write waits for another connection's lock before failing (default 10 s). */
  busyTimeoutMs?: number;
  now?: () => number;
}

/**
 * The bot's storage: Redis when `store` says so, else the SQLite file
 * `DATA_DIR/comfycord.sqlite` when a data folder is given, memory otherwise. Fails with a
 * `StorageOpenError` an operator can act on (a `DataDirLockedError` when another process holds
 * the folder).
 */
export async function openStorage(options: OpenStorageOptions): Promise<Storage> {
  const { logger } = options;
  if (options.store?.kind === "redis") {
    return RedisStorage.open({
      url: options.store.url,
      logger,
      clientName: options.clientName ?? botClientName,
      ...(options.now ? { now: options.now } : {}),
    });
  }
  if (options.dataDir === undefined) {
    return new MemoryStorage({ logger, ...(options.now ? { now: options.now } : {}) });
  }
  const dataDir = path.resolve(options.dataDir);
  await prepareDataDir(dataDir);
  const file = path.join(dataDir, dataFileName);
  let lock;
  try {
    lock = options.lock === false ? undefined : await lockDataDir(dataDir);
  } catch (error) {
    throw asOpenError(error, dataDir, `the lock file in DATA_DIR "${dataDir}" cannot be used`);
  }
  try {
    return await SqliteStorage.open({
      file,
      logger,
      spool: await FileOutputSpool.open(path.join(dataDir, outputsFolderName)),
      inputs: await FileInputSpool.open(path.join(dataDir, inputsFolderName), {
        ...(options.now ? { now: options.now } : {}),
      }),
      ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
      ...(options.now ? { now: options.now } : {}),
      ...(lock ? { onClose: async () => lock.release() } : {}),
    });
  } catch (error) {
    await lock?.release();
    throw asOpenError(error, dataDir, `the data file "${file}" cannot be opened`);
  }
}

async function prepareDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true });
    await access(dataDir, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw new StorageOpenError(
      `DATA_DIR "${dataDir}" is not a writable folder (${(error as Error).message}). ` +
        "Set DATA_DIR to a folder the bot's user can write, or fix its permissions.",
      { cause: error },
    );
  }
}

function asOpenError(error: unknown, dataDir: string, what: string): StorageOpenError {
  if (error instanceof StorageOpenError) return error;
  return new StorageOpenError(
    `${what} (${(error as Error).message}). Check that DATA_DIR "${dataDir}" is writable and not full; ` +
      "`npm run doctor` checks it.",
    { cause: error },
  );
}
