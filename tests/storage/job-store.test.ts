import { afterEach } from "vitest";
import { MemoryJobStore } from "../../src/storage/memory/memory-job-store.js";
import { createDayTableSql, dayTableName } from "../../src/storage/sqlite/day-tables.js";
import { finishedJobTables } from "../../src/storage/sqlite/tables.js";
import { describeJobStoreContract } from "./job-store.contract.js";
import { OpenedStorages, plantRows, tempDataDir } from "./support/temp-storage.js";
import { plantJobRows, RedisStorages } from "./support/redis-storages.js";

const storages = new OpenedStorages();
afterEach(async () => storages.closeAll());

describeJobStoreContract("memory", async (planted = []) =>
  Promise.resolve(new MemoryJobStore({ rows: planted })),
);

describeJobStoreContract("SQLite file", async (planted = []) => {
  const dataDir = tempDataDir();
  await plantRows(
    dataDir,
    planted.flatMap((row) => {
      if (row.finishedAt === undefined) {
        return [
          {
            sql: "INSERT INTO jobs (id, seq, user_id, guild_id, state, job) VALUES (?, ?, ?, 'g1', 'queued', ?)",
            params: [row.id, row.seq, row.userId, row.text],
          },
        ];
      }
      const table = dayTableName(finishedJobTables, row.finishedAt);
      return [
        ...createDayTableSql(finishedJobTables, table)
          .split("\n")
          .map((sql) => ({ sql, params: [] })),
        {
          sql: `INSERT INTO ${table} (id, seq, user_id, guild_id, state, finished_at, job) VALUES (?, ?, ?, 'g1', 'succeeded', ?, ?)`,
          params: [row.id, row.seq, row.userId, row.finishedAt, row.text],
        },
      ];
    }),
  );
  return (await storages.open({ dataDir })).jobs;
});

const redis = RedisStorages.forFile();
describeJobStoreContract("Redis", async (planted = []) => {
  const storage = await redis.open();
  await plantJobRows(storage, planted);
  return storage.jobs;
});
