import { writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { formatOneSql } from "../../src/storage/sqlite/migrations/format-1.js";
import { queuedJob, resultEntry, deliveredJob } from "../support/stored-records.js";
import { OpenedStorages, dataFile, rawConnection, tempDataDir } from "./support/temp-storage.js";

const storages = new OpenedStorages();
afterEach(async () => storages.closeAll());

describe("a data file of format 1 (one jobs table, one results table)", () => {
  it("moves finished jobs and result links into day tables and keeps every record", async () => {
    const dataDir = tempDataDir();
    const finishedAt = Date.UTC(2026, 10, 20, 8);
    const raw = await openFormatOneFile(dataDir);
    try {
      const waiting = queuedJob({ id: "waiting", seq: 2 });
      const done = deliveredJob({ id: "done", seq: 1, finishedAt });
      const entry = resultEntry({ messageId: "m1", createdAt: finishedAt });
      await raw.run(
        "INSERT INTO jobs (id, seq, user_id, guild_id, state, finished_at, job) VALUES (?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?)",
        ...[waiting.id, 2, waiting.userId, waiting.guildId, "queued", null, JSON.stringify(waiting)],
        ...[done.id, 1, done.userId, done.guildId, "succeeded", finishedAt, JSON.stringify(done)],
      );
      await raw.run(
        "INSERT INTO results (message_id, user_id, guild_id, channel_id, created_at, entry) VALUES (?, ?, ?, ?, ?, ?)",
        entry.messageId,
        entry.userId,
        entry.guildId,
        entry.channelId,
        entry.createdAt,
        JSON.stringify(entry),
      );
    } finally {
      await raw.close();
    }

    const storage = await storages.open({ dataDir });
    expect((await storage.jobs.loadOpen()).jobs.map((job) => job.id)).toEqual(["waiting"]);
    expect(await storage.jobs.get("done")).toEqual(deliveredJob({ id: "done", seq: 1, finishedAt }));
    expect(await storage.results.get("m1")).toEqual(resultEntry({ messageId: "m1", createdAt: finishedAt }));
    expect(await storage.jobs.maxSeq()).toBe(2);
    const check = await rawConnection(dataDir);
    try {
      expect(await check.all("PRAGMA user_version")).toEqual([{ user_version: 2 }]);
      expect(
        (await check.all<{ name: string }>("SELECT name FROM pragma_table_info('jobs')")).map(
          (row) => row.name,
        ),
      ).not.toContain("finished_at");
      expect(
        await check.all(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'results%' ORDER BY name",
        ),
      ).toEqual([{ name: "results_20261120" }]);
    } finally {
      await check.close();
    }
  });
});

/** A new file laid out as data format 1 was, as the first merge of the own tables wrote it. */
async function openFormatOneFile(dataDir: string) {
  writeFileSync(dataFile(dataDir), "");
  const raw = await rawConnection(dataDir);
  await raw.run("PRAGMA auto_vacuum=INCREMENTAL");
  await raw.all("PRAGMA journal_mode=WAL");
  const withoutComments = formatOneSql.replace(/--.*$/gm, "");
  for (const statement of withoutComments.split(";").filter((text) => text.trim() !== "")) {
    await raw.run(statement);
  }
  await raw.run("PRAGMA user_version = 1");
  return raw;
}
