import { afterEach } from "vitest";
import { MemoryRateStore } from "../../src/storage/memory/memory-rate-store.js";
import { describeRateStoreContract } from "./rate-store.contract.js";
import { OpenedStorages, tempDataDir } from "./support/temp-storage.js";
import { RedisStorages } from "./support/redis-storages.js";

const storages = new OpenedStorages();
afterEach(async () => storages.closeAll());

describeRateStoreContract("memory", async (now) => {
  const store = new MemoryRateStore(now);
  return Promise.resolve({ store, expire: async (at: number) => store.expire(at) });
});

describeRateStoreContract("SQLite file", async (now) => {
  const storage = await storages.open({ dataDir: tempDataDir(), now });
  return { store: storage.rates, expire: async (at: number) => storage.expireRateRecords(at) };
});

const redis = RedisStorages.forFile();
describeRateStoreContract("Redis", async (now) => {
  const storage = await redis.open({ now });
  return { store: storage.rates, expire: async (at: number) => storage.expireRateRecords(at) };
});
