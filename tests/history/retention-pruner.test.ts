import { statSync } from "node:fs";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RetentionPruner } from "../../src/history/retention-pruner.js";
import { MemoryStorage } from "../../src/storage/memory/memory-storage.js";
import { createDayTableSql, dayTableName } from "../../src/storage/sqlite/day-tables.js";
import { finishedJobTables, resultTables } from "../../src/storage/sqlite/tables.js";
import type { Storage } from "../../src/storage/storage.js";
import {
  cancelledJob,
  failedJob,
  queuedJob,
  resultEntry,
  runningJob,
  deliveredJob,
} from "../support/stored-records.js";
import {
  OpenedStorages,
  dataFile,
  plantRows,
  rawConnection,
  silent,
  tempDataDir,
} from "../storage/support/temp-storage.js";

const day = 86_400_000;
const now = 1_800_000_000_000;
const cutoff = now - 30 * day;
const storages = new OpenedStorages();
/** The storages' clock: when an input picture counts as kept. */
let clock = now;
afterEach(async () => {
  clock = now;
  await storages.closeAll();
});

const kinds: Record<string, () => Promise<Storage>> = {
  "SQLite file": async () => storages.open({ dataDir: tempDataDir(), now: () => clock }),
  memory: async () => Promise.resolve(new MemoryStorage({ now: () => clock })),
};
const picture = { bytes: new Uint8Array([137, 80, 78, 71]), contentType: "image/png" as const };

describe.each(Object.entries(kinds))("RetentionPruner on %s storage", (_kind, open) => {
  it("deletes finished jobs and results exactly retention-old, keeps younger ones and every unfinished job, and expires rate records", async () => {
    const storage = await open();
    await storage.jobs.save(deliveredJob({ id: "at-cutoff", seq: 1, finishedAt: cutoff }));
    await storage.jobs.save(failedJob({ id: "old-failed", seq: 2, finishedAt: cutoff - day }));
    await storage.jobs.save(cancelledJob({ id: "just-younger", seq: 3, finishedAt: cutoff + 1 }));
    await storage.jobs.insert(queuedJob({ id: "waiting-long", seq: 4, at: cutoff - 90 * day }));
    await storage.jobs.save(runningJob({ id: "running-long", seq: 5, at: cutoff - 90 * day }));
    await storage.results.record(resultEntry({ messageId: "m-at-cutoff", createdAt: cutoff }));
    await storage.results.record(resultEntry({ messageId: "m-younger", createdAt: cutoff + 1 }));
    await storage.rates.save("idle-user", [now - 120_000], now - 60_000);
    await storage.rates.save("busy-user", [now - 1000], now + 59_000);
    clock = cutoff;
    const oldInput = await storage.inputs.keep("111", picture);
    clock = cutoff + 1;
    const youngInput = await storage.inputs.keep("111", picture);
    clock = now;

    const pruner = new RetentionPruner({
      storage,
      retentionDays: 30,
      logger: silent,
      now: () => now,
      batchRows: 2,
    });
    expect(await pruner.runOnce()).toEqual({ jobs: 2, results: 1, rateRecords: 1, inputs: 1 });

    expect(await storage.jobs.get("at-cutoff")).toBeUndefined();
    expect(await storage.jobs.get("old-failed")).toBeUndefined();
    expect((await storage.jobs.get("just-younger"))?.id).toBe("just-younger");
    expect((await storage.jobs.loadOpen()).jobs.map((job) => job.id)).toEqual([
      "waiting-long",
      "running-long",
    ]);
    // The reaction handler's lookup misses, so a 🎲 on it gets the "kept for N days" answer.
    expect(await storage.results.get("m-at-cutoff")).toBeUndefined();
    expect(await storage.results.get("m-younger")).toBeDefined();
    expect(await storage.rates.hits("busy-user")).toEqual([now - 1000]);
    // Input pictures go with the result links: a reroll of a younger result still finds its input.
    expect(await storage.inputs.load(oldInput)).toBeUndefined();
    expect(await storage.inputs.load(youngInput)).toEqual(picture);
    expect(await pruner.runOnce()).toEqual({ jobs: 0, results: 0, rateRecords: 0, inputs: 0 });
  });

  it("runs a pass at start and then on its interval until stopped", async () => {
    const storage = await open();
    let passes = 0;
    const logger = pino(
      { level: "debug" },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          passes += chunk.toString().split("retention pass done").length - 1;
          done();
        },
      }),
    );
    const pruner = new RetentionPruner({ storage, retentionDays: 30, logger, intervalMs: 5 });
    pruner.start();
    await vi.waitFor(() => expect(passes).toBeGreaterThanOrEqual(3), { timeout: 3000, interval: 5 });
    pruner.stop();
    await pruner.runOnce();
    const settled = passes;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(passes).toBe(settled);
  });
});

describe("RetentionPruner on a SQLite file", () => {
  it("ages out an unreadable finished job by its finish time, without reading it", async () => {
    const dataDir = tempDataDir();
    const table = dayTableName(finishedJobTables, cutoff - day);
    await plantRows(dataDir, [
      ...createDayTableSql(finishedJobTables, table)
        .split("\n")
        .map((sql) => ({ sql, params: [] })),
      {
        sql: `INSERT INTO ${table} (id, seq, user_id, guild_id, state, finished_at, job) VALUES ('broken', 1, 'u1', 'g1', 'failed', ?, 'not json')`,
        params: [cutoff - day],
      },
    ]);
    const storage = await storages.open({ dataDir });
    const pruner = new RetentionPruner({ storage, retentionDays: 30, logger: silent, now: () => now });
    expect(await pruner.runOnce()).toEqual({ jobs: 1, results: 0, rateRecords: 0, inputs: 0 });
  });

  it("gives the freed pages back, so the file shrinks with what retention keeps", async () => {
    const dataDir = tempDataDir();
    const storage = await storages.open({ dataDir });
    // 3,000 fat result links past retention, written straight into the day's table.
    await storage.results.record(resultEntry({ messageId: "first", createdAt: cutoff - day }));
    const table = dayTableName(resultTables, cutoff - day);
    const raw = await rawConnection(dataDir);
    try {
      await raw.run(
        `INSERT INTO ${table} (message_id, user_id, guild_id, channel_id, created_at, entry)
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 2998)
         SELECT 'm' || i, 'u1', 'g1', 'c1', ? - i, json_object('prompt', printf('%.2000c', 'x')) FROM n`,
        cutoff - day,
      );
      await raw.run("PRAGMA wal_checkpoint(TRUNCATE)");
    } finally {
      await raw.close();
    }
    const before = statSync(dataFile(dataDir)).size;
    const pruner = new RetentionPruner({ storage, retentionDays: 30, logger: silent, now: () => now });
    expect(await pruner.runOnce()).toEqual({ jobs: 0, results: 3000, rateRecords: 0, inputs: 0 });
    const after = statSync(dataFile(dataDir)).size;
    expect(before).toBeGreaterThan(6_000_000);
    expect(after).toBeLessThan(before / 10);
  });
});
