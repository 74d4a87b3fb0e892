import { statSync } from "node:fs";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RetentionPruner } from "../../src/history/retention-pruner.js";
import { ResultIndex } from "../../src/history/result-index.js";
import { QueueStore } from "../../src/queue/queue-store.js";
import { rateRecordSchema } from "../../src/queue/rate-limiter.js";
import { Store } from "../../src/store/store.js";
import { idsIn, job, openTempStore, result, silent } from "./records.js";

const day = 86_400_000;
const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map(async (store) => store.close()));
});

async function setup(options: { memory?: boolean } = {}) {
  const store = options.memory ? await Store.open({ logger: silent }) : await openTempStore();
  stores.push(store);
  const queueStore = new QueueStore(store, { retentionMs: 365 * day });
  const results = new ResultIndex(store);
  // Keyv stamps rate-limit expiry with the real clock, so the pruner's clock starts from it.
  const now = Date.now() + 120_000;
  const cutoff = now - 30 * day;
  return { store, queueStore, results, now, cutoff };
}

describe("RetentionPruner", () => {
  it("deletes finished jobs and results exactly retention-old, keeps younger ones and every unfinished job", async () => {
    const { store, queueStore, results, now, cutoff } = await setup();
    await queueStore.history.set(
      "at-cutoff",
      job({ id: "at-cutoff", userId: "u1", state: "succeeded", at: cutoff }),
    );
    await queueStore.history.set(
      "old-failed",
      job({ id: "old-failed", userId: "u1", state: "failed", at: cutoff - day }),
    );
    await queueStore.history.set(
      "just-younger",
      job({ id: "just-younger", userId: "u2", state: "cancelled", at: cutoff + 1 }),
    );
    await queueStore.save(job({ id: "waiting-long", userId: "u1", state: "queued", at: cutoff - 90 * day }));
    await queueStore.save(job({ id: "running-long", userId: "u2", state: "running", at: cutoff - 90 * day }));
    await results.record(result({ messageId: "m-at-cutoff", userId: "u1", createdAt: cutoff }));
    await results.record(result({ messageId: "m-younger", userId: "u1", createdAt: cutoff + 1 }));
    const rate = store.collection("rate-limits", rateRecordSchema);
    await rate.set("idle-user", { hits: [Date.now()] }, { ttlMs: 60_000 });
    await rate.set("busy-user", { hits: [Date.now()] }, { ttlMs: 10 * 60_000 });

    const pruner = new RetentionPruner({
      store,
      results,
      retentionDays: 30,
      logger: silent,
      now: () => now,
      batchRows: 2,
    });
    expect(await pruner.runOnce()).toEqual({ jobs: 2, results: 1, rateRecords: 1 });

    expect(await idsIn(store, "job-history")).toEqual(["just-younger"]);
    expect(await idsIn(store, "jobs")).toEqual(["running-long", "waiting-long"]);
    expect(await idsIn(store, "results")).toEqual(["m-younger"]);
    expect(await idsIn(store, "rate-limits")).toEqual(["busy-user"]);
    // The reaction handler's lookup misses, so a 🎲 on it gets the "kept for N days" answer.
    expect(await results.get("m-at-cutoff")).toBeUndefined();
    expect(await results.get("m-younger")).toBeDefined();
    expect(await pruner.runOnce()).toEqual({ jobs: 0, results: 0, rateRecords: 0 });
  });

  it("walks past malformed rows without failing the pass", async () => {
    const { store, results, now, cutoff } = await setup();
    const sql = store.sql()!;
    await sql("INSERT INTO keyv (key, value) VALUES ('job-history:broken', 'not json')");
    await results.record(result({ messageId: "m-old", userId: "u1", createdAt: cutoff - 5 }));
    const pruner = new RetentionPruner({ store, results, retentionDays: 30, logger: silent, now: () => now });
    expect(await pruner.runOnce()).toEqual({ jobs: 0, results: 1, rateRecords: 0 });
    expect(await idsIn(store, "job-history")).toEqual(["broken"]);
  });

  it("gives the freed pages back, so the file shrinks with what retention keeps", async () => {
    const { store, results, now, cutoff } = await setup();
    const pruner = new RetentionPruner({ store, results, retentionDays: 30, logger: silent, now: () => now });
    await pruner.runOnce();
    const sql = store.sql()!;
    expect(await sql("PRAGMA auto_vacuum")).toEqual([{ auto_vacuum: 2 }]);
    const rows = Array.from({ length: 3000 }, (_, index) => [
      `results:m${index}`,
      JSON.stringify({
        value: result({
          messageId: `m${index}`,
          userId: "u1",
          createdAt: cutoff - index,
          prompt: "x".repeat(2000),
        }),
      }),
    ]);
    await sql(
      "INSERT INTO keyv (key, value) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)",
      JSON.stringify(rows),
    );
    await sql("PRAGMA wal_checkpoint(TRUNCATE)");
    const before = statSync(store.filePath!).size;
    expect(await pruner.runOnce()).toEqual({ jobs: 0, results: 3000, rateRecords: 0 });
    const after = statSync(store.filePath!).size;
    expect(before).toBeGreaterThan(6_000_000);
    expect(after).toBeLessThan(before / 10);
  });

  it("runs a pass at start and then on its interval until stopped", async () => {
    const { store, results } = await setup();
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
    const pruner = new RetentionPruner({ store, results, retentionDays: 30, logger, intervalMs: 5 });
    pruner.start();
    await vi.waitFor(() => expect(passes).toBeGreaterThanOrEqual(3), { timeout: 3000, interval: 5 });
    pruner.stop();
    await pruner.runOnce();
    const settled = passes;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(passes).toBe(settled);
  });

  it("prunes an in-memory store through its collections", async () => {
    const { store, queueStore, results, now, cutoff } = await setup({ memory: true });
    await queueStore.history.set("old", job({ id: "old", userId: "u1", state: "succeeded", at: cutoff }));
    await queueStore.history.set("new", job({ id: "new", userId: "u1", state: "succeeded", at: cutoff + 1 }));
    await queueStore.save(job({ id: "waiting", userId: "u1", state: "queued", at: cutoff - day }));
    await results.record(result({ messageId: "m-old", userId: "u1", createdAt: cutoff }));
    const pruner = new RetentionPruner({ store, results, retentionDays: 30, logger: silent, now: () => now });
    expect(await pruner.runOnce()).toEqual({ jobs: 1, results: 1, rateRecords: 0 });
    expect(await queueStore.history.get("new")).toBeDefined();
    expect(await queueStore.jobs.get("waiting")).toBeDefined();
  });
});
