import { existsSync } from "node:fs";
import { rename } from "node:fs/promises";
import path from "node:path";
import { pino } from "pino";
import type { StoreTarget } from "../../config/store-url.js";
import { dataFileName, openStorage } from "../../storage/open-storage.js";
import { botClientName, connectedBots } from "../../storage/redis/connected-bots.js";
import { RedisStorage } from "../../storage/redis/redis-storage.js";
import { redactRedisUrl } from "../../storage/redis/redis-url.js";
import type { Storage } from "../../storage/storage.js";
import { clearRedis, redisHoldsData, RedisRecords } from "./redis-records.js";
import { SqliteRecords } from "./sqlite-records.js";
import type { StoreReader } from "./store-record.js";

/** A migration that must not go ahead; the command prints the message as it is. */
export class MigrateRefusal extends Error {
  override readonly name = "MigrateRefusal";
}

/** One end of a migration: the opened store, how to read it all, and how to empty it. */
export interface MigrateSide {
  /** The store as it may be printed (no credentials). */
  readonly label: string;
  readonly storage: Storage;
  reader(): StoreReader;
  holdsData(): Promise<boolean>;
  /** Makes the store empty (`--force`); returns a sentence saying what became of the old data. */
  clear(): Promise<string>;
  close(): Promise<void>;
}

/** The storage's own logs stay quiet: the command reports in sentences. */
const quiet = pino({ level: "silent" });

/**
 * Opens one side. SQLite takes the data folder's lock, so a running bot makes this fail with
 * its pid (`DataDirLockedError`); Redis refuses while a bot's connection is open on it.
 */
export async function openSide(target: StoreTarget, dataDir: string): Promise<MigrateSide> {
  return target.kind === "redis" ? openRedisSide(target.url) : openSqliteSide(dataDir);
}

async function openRedisSide(url: string): Promise<MigrateSide> {
  const storage = await RedisStorage.open({ url, logger: quiet, clientName: "comfycord-migrate" });
  const label = redactRedisUrl(url);
  try {
    const bots = await connectedBots(storage.connection);
    if (bots && bots.length > 0) {
      throw new MigrateRefusal(
        `A bot is connected to ${label} (${bots.length} connection${bots.length === 1 ? "" : "s"} named ` +
          `"${botClientName}" in CLIENT LIST, from ${bots.join(", ")}): stop it first.`,
      );
    }
  } catch (error) {
    await storage.close();
    throw error;
  }
  return {
    label,
    storage,
    reader: () => new RedisRecords(storage),
    holdsData: async () => redisHoldsData(storage),
    clear: async () => `deleted the ${await clearRedis(storage)} keys it held`,
    close: async () => storage.close(),
  };
}

async function openSqliteSide(dataDir: string): Promise<MigrateSide> {
  const file = path.join(dataDir, dataFileName);
  let storage = await openStorage({ dataDir, logger: quiet });
  const side: MigrateSide = {
    label: `sqlite:${dataDir}`,
    get storage() {
      return storage;
    },
    reader: () => new SqliteRecords(file, storage),
    holdsData: async () => {
      for await (const record of new SqliteRecords(file, storage).records()) return record !== undefined;
      return false;
    },
    clear: async () => {
      // Nothing is deleted: the old file is kept beside the new one.
      await storage.close();
      const aside = `${file}.before-migrate-${new Date().toISOString().replace(/[:.]/g, "-")}`;
      await rename(file, aside);
      storage = await openStorage({ dataDir, logger: quiet });
      return `moved the old data file to ${aside}`;
    },
    close: async () => storage.close(),
  };
  return side;
}

/** Whether a SQLite data folder has a data file to copy from. */
export function hasDataFile(dataDir: string): boolean {
  return existsSync(path.join(dataDir, dataFileName));
}
