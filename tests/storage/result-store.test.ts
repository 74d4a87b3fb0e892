import { afterEach } from "vitest";
import { MemoryResultStore } from "../../src/storage/memory/memory-result-store.js";
import { describeResultStoreContract } from "./result-store.contract.js";
import { OpenedStorages, plantRows, tempDataDir } from "./support/temp-storage.js";

const storages = new OpenedStorages();
afterEach(async () => storages.closeAll());

describeResultStoreContract("memory", async (planted = []) =>
  Promise.resolve(new MemoryResultStore({ rows: planted })),
);

describeResultStoreContract("SQLite file", async (planted = []) => {
  const dataDir = tempDataDir();
  await plantRows(
    dataDir,
    planted.map((row) => ({
      sql: "INSERT INTO results (message_id, user_id, guild_id, channel_id, created_at, entry) VALUES (?, ?, ?, 'c1', ?, ?)",
      params: [row.messageId, row.userId, row.guildId, row.createdAt, row.text],
    })),
  );
  return (await storages.open({ dataDir })).results;
});
