import { afterEach } from "vitest";
import { MemorySettingsStore } from "../../src/storage/memory/memory-settings-store.js";
import { describeSettingsStoreContract } from "./settings-store.contract.js";
import { OpenedStorages, tempDataDir } from "./support/temp-storage.js";
import { RedisStorages } from "./support/redis-storages.js";

const storages = new OpenedStorages();
afterEach(async () => storages.closeAll());

describeSettingsStoreContract("memory", async () => Promise.resolve(new MemorySettingsStore()));
describeSettingsStoreContract(
  "SQLite file",
  async () => (await storages.open({ dataDir: tempDataDir() })).settings,
);

const redis = RedisStorages.forFile();
describeSettingsStoreContract("Redis", async () => (await redis.open()).settings);
