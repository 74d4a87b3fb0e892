import { afterEach } from "vitest";
import { MemoryJobStore } from "../../src/storage/memory/memory-job-store.js";
import { describeJobStoreContract } from "./job-store.contract.js";
import { OpenedStorages, plantRows, tempDataDir } from "./support/temp-storage.js";

const storages = new OpenedStorages();
afterEach(async () => storages.closeAll());

describeJobStoreContract("memory", async (planted = []) =>
  Promise.resolve(new MemoryJobStore({ rows: planted })),
);

describeJobStoreContract("SQLite file", async (planted = []) => {
  const dataDir = tempDataDir();
  await plantRows(
    dataDir,
    planted.map((row) => ({
      sql: "INSERT INTO jobs (id, seq, user_id, guild_id, state, finished_at, job) VALUES (?, ?, ?, 'g1', ?, ?, ?)",
      params: [
        row.id,
        row.seq,
        row.userId,
        row.finishedAt === undefined ? "queued" : "succeeded",
        row.finishedAt ?? null,
        row.text,
      ],
    })),
  );
  return (await storages.open({ dataDir })).jobs;
});
