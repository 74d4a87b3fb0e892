import { afterEach } from "vitest";
import { MemoryResultStore } from "../../src/storage/memory/memory-result-store.js";
import { createDayTableSql, dayTableName } from "../../src/storage/sqlite/day-tables.js";
import { resultTables } from "../../src/storage/sqlite/tables.js";
import { describeResultStoreContract } from "./result-store.contract.js";
import { OpenedStorages, plantRows, tempDataDir } from "./support/temp-storage.js";
import { plantResultRows, RedisStorages } from "./support/redis-storages.js";

const storages = new OpenedStorages();
afterEach(async () => storages.closeAll());

describeResultStoreContract("memory", async (planted = []) =>
  Promise.resolve(new MemoryResultStore({ rows: planted })),
);

describeResultStoreContract("SQLite file", async (planted = []) => {
  const dataDir = tempDataDir();
  await plantRows(
    dataDir,
    planted.flatMap((row) => {
      const table = dayTableName(resultTables, row.createdAt);
      return [
        ...createDayTableSql(resultTables, table)
          .split("\n")
          .map((sql) => ({ sql, params: [] })),
        {
          sql: `INSERT INTO ${table} (message_id, user_id, guild_id, channel_id, created_at, entry) VALUES (?, ?, ?, 'c1', ?, ?)`,
          params: [row.messageId, row.userId, row.guildId, row.createdAt, row.text],
        },
      ];
    }),
  );
  return (await storages.open({ dataDir })).results;
});

const redis = RedisStorages.forFile();
describeResultStoreContract("Redis", async (planted = []) => {
  const storage = await redis.open();
  await plantResultRows(storage, planted);
  return storage.results;
});
