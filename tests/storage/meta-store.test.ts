import { afterEach } from "vitest";
import { MemoryMetaStore } from "../../src/storage/memory/memory-meta-store.js";
import { describeMetaStoreContract } from "./meta-store.contract.js";
import { OpenedStorages, tempDataDir } from "./support/temp-storage.js";
import { RedisStorages } from "./support/redis-storages.js";

const storages = new OpenedStorages();
afterEach(async () => storages.closeAll());

describeMetaStoreContract("memory", async () => Promise.resolve(new MemoryMetaStore()));
describeMetaStoreContract("SQLite file", async () => (await storages.open({ dataDir: tempDataDir() })).meta);

const redis = RedisStorages.forFile();
describeMetaStoreContract("Redis", async () => (await redis.open()).meta);
