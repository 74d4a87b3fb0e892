import { jobSchema } from "../../queue/job.js";
import { resultEntrySchema } from "../../history/result-store.js";
import { readRecord } from "../../storage/read-record.js";
import { rateRecordSchema } from "../../storage/redis/redis-rate-store.js";
import type { RedisStorage } from "../../storage/redis/redis-storage.js";
import { jobRecord, type StoreReader, type StoreRecord } from "./store-record.js";

const chunk = 500;

/**
 * Every record of a Redis store, read from the indexes of `redis-keys.ts` (jobs of every state by
 * seq, results by creation, rate records by expiry) and the Keyv namespaces; settings, meta and
 * ETA records are read back through the ports, so Keyv decodes them.
 */
export class RedisRecords implements StoreReader {
  readonly #storage: RedisStorage;
  #unreadable = 0;

  constructor(storage: RedisStorage) {
    this.#storage = storage;
  }

  get unreadable(): number {
    return this.#unreadable;
  }

  async *records(): AsyncGenerator<StoreRecord> {
    const { client, keys } = this.#storage.connection;
    for await (const [id, text] of this.#hashField(keys.jobsBySeq, (id) => keys.job(id))) {
      const read = readRecord(jobSchema, text);
      if (read.ok && read.value.id === id) yield await jobRecord(read.value, this.#storage);
      else this.#unreadable++;
    }
    for await (const [, text] of this.#hashField(keys.resultsByCreation, (id) => keys.result(id))) {
      const read = readRecord(resultEntrySchema, text);
      if (read.ok) yield { kind: "result", entry: read.value };
      else this.#unreadable++;
    }
    for (const userId of await client.zRange(keys.rateExpiry, 0, -1)) {
      const text = await client.get(keys.rate(userId));
      if (text === null) continue;
      const read = readRecord(rateRecordSchema, text);
      if (read.ok) yield { kind: "rate", userId, ...read.value };
      else this.#unreadable++;
    }
    for (const key of await this.#keyvKeys("settings")) {
      const record = await this.#storage.settings.get(key);
      if (record) yield { kind: "settings", key, record };
      else this.#unreadable++;
    }
    for (const key of await this.#keyvKeys("meta")) {
      const value = await this.#storage.meta.get(key);
      if (value !== undefined) yield { kind: "meta", key, value };
      else this.#unreadable++;
    }
    const snapshot = await this.#storage.eta.load();
    if (snapshot) yield { kind: "eta", snapshot };
  }

  /** `[id, json]` of every member of a sorted-set index, read in chunks. */
  async *#hashField(index: string, keyOf: (id: string) => string): AsyncGenerator<[string, string]> {
    const { client } = this.#storage.connection;
    for (let start = 0; ; start += chunk) {
      const ids = await client.zRange(index, start, start + chunk - 1);
      const texts = await Promise.all(ids.map(async (id) => client.hGet(keyOf(id), "json")));
      for (const [position, id] of ids.entries()) {
        const text = texts[position];
        if (text !== null && text !== undefined) yield [id, text];
      }
      if (ids.length < chunk) return;
    }
  }

  async #keyvKeys(namespace: "settings" | "meta"): Promise<string[]> {
    const { client, keys } = this.#storage.connection;
    const start = `${keys.keyvNamespace(namespace)}:`;
    const found: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: keys.pattern(`${namespace}:`), COUNT: 1000 })) {
      for (const key of batch) found.push(key.slice(start.length));
    }
    return found.sort();
  }
}

/**
 * Whether anything is stored under the storage's prefix, besides the index version that opening
 * a storage writes.
 */
export async function redisHoldsData(storage: RedisStorage): Promise<boolean> {
  for await (const batch of dataKeys(storage)) if (batch.length > 0) return true;
  return false;
}

/** Deletes every data key under the storage's prefix (`migrate-store --force`); returns how many. */
export async function clearRedis(storage: RedisStorage): Promise<number> {
  let deleted = 0;
  for await (const batch of dataKeys(storage)) {
    if (batch.length > 0) deleted += await storage.connection.client.unlink(batch);
  }
  return deleted;
}

async function* dataKeys(storage: RedisStorage): AsyncGenerator<string[]> {
  const { client, keys } = storage.connection;
  for await (const batch of client.scanIterator({ MATCH: keys.pattern(), COUNT: 1000 })) {
    yield batch.filter((key) => key !== keys.jobIndexesVersion);
  }
}
