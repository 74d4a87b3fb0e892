import { afterEach } from "vitest";
import { MemoryEtaStore } from "../../src/storage/memory/memory-eta-store.js";
import { describeEtaStoreContract } from "./eta-store.contract.js";
import { OpenedStorages, tempDataDir } from "./support/temp-storage.js";
import { RedisStorages } from "./support/redis-storages.js";

const storages = new OpenedStorages();
afterEach(async () => storages.closeAll());

describeEtaStoreContract("memory", async () => Promise.resolve(new MemoryEtaStore()));
describeEtaStoreContract("SQLite file", async () => (await storages.open({ dataDir: tempDataDir() })).eta);

const redis = RedisStorages.forFile();
describeEtaStoreContract("Redis", async () => (await redis.open()).eta);
