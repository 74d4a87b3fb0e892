import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll } from "vitest";
import type { StoredJobRow } from "../../../src/storage/memory/memory-job-store.js";
import type { StoredResultRow } from "../../../src/storage/memory/memory-result-store.js";
import type { RedisClient } from "../../../src/storage/redis/redis-connection.js";
import { RedisStorage, type RedisStorageOptions } from "../../../src/storage/redis/redis-storage.js";
import { startRedisServer, type RedisServer } from "../../support/redis-server.js";
import { silent } from "./temp-storage.js";

/**
 * One real Redis for a test file (started before its tests, stopped after them) and the
 * storages its tests open on it, each under a key prefix of its own so no test sees another's
 * keys, closed after each test.
 */
export class RedisStorages {
  #server: RedisServer | undefined;
  readonly #open: RedisStorage[] = [];

  /** Registers the file's hooks; call once at the top of a test file. */
  static forFile(): RedisStorages {
    const storages = new RedisStorages();
    beforeAll(async () => {
      storages.#server = await startRedisServer();
    });
    afterEach(async () => storages.closeAll());
    afterAll(async () => storages.#server?.stop());
    return storages;
  }

  get url(): string {
    if (!this.#server) throw new Error("the Redis server is not started yet (use it inside a test)");
    return this.#server.url;
  }

  /** A key prefix no other storage of the run uses. */
  static freshPrefix(): string {
    return `{test-${randomUUID().slice(0, 8)}}:`;
  }

  async open(options: Partial<RedisStorageOptions> = {}): Promise<RedisStorage> {
    const storage = await RedisStorage.open({
      url: this.url,
      logger: silent,
      keyPrefix: RedisStorages.freshPrefix(),
      ...options,
    });
    this.#open.push(storage);
    return storage;
  }

  async close(storage: RedisStorage): Promise<void> {
    this.#open.splice(this.#open.indexOf(storage), 1);
    await storage.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#open.splice(0).map(async (storage) => storage.close()));
  }
}

/** Writes job rows as another writer left them, in the layout of `redis-keys.ts`. */
export async function plantJobRows(storage: RedisStorage, rows: readonly StoredJobRow[]): Promise<void> {
  const { client, keys } = storage.connection;
  for (const row of rows) {
    const open = row.finishedAt === undefined;
    await client.hSet(keys.job(row.id), {
      json: row.text,
      seq: row.seq,
      user: row.userId,
      guild: "g1",
      state: open ? "queued" : "succeeded",
      finishedAt: open ? "" : String(row.finishedAt),
    });
    await client.zAdd(keys.jobsBySeq, { score: row.seq, value: row.id });
    await client.sAdd(keys.jobsOf(row.userId), row.id);
    if (open) {
      await client.zAdd(keys.openJobs, { score: row.seq, value: row.id });
      await client.sAdd(keys.openJobsOf(row.userId), row.id);
    } else {
      await client.zAdd(keys.finishedJobs, { score: row.finishedAt ?? 0, value: row.id });
    }
  }
}

/** Writes result rows as another writer left them. */
export async function plantResultRows(
  storage: RedisStorage,
  rows: readonly StoredResultRow[],
): Promise<void> {
  const { client, keys } = storage.connection;
  for (const row of rows) {
    await client.hSet(keys.result(row.messageId), {
      json: row.text,
      user: row.userId,
      guild: row.guildId,
      createdAt: row.createdAt,
    });
    await client.zAdd(keys.resultsOfMember(row.userId, row.guildId), {
      score: row.createdAt,
      value: row.messageId,
    });
    await client.sAdd(keys.resultsOf(row.userId), row.messageId);
    await client.zAdd(keys.resultsByCreation, { score: row.createdAt, value: row.messageId });
  }
}

/** Every key under the storage's prefix. */
export async function keysOf(client: RedisClient, pattern: string): Promise<string[]> {
  const found: string[] = [];
  for await (const batch of client.scanIterator({ MATCH: pattern, COUNT: 500 })) found.push(...batch);
  return found.sort();
}
