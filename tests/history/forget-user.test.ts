import { afterEach, describe, expect, it } from "vitest";
import { ResultIndex } from "../../src/history/result-index.js";
import { QueueStore } from "../../src/queue/queue-store.js";
import { Store } from "../../src/store/store.js";
import { idsIn, job, openTempStore, result, silent } from "./records.js";

const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map(async (store) => store.close()));
});

async function seed(store: Store) {
  const queueStore = new QueueStore(store, { retentionMs: 86_400_000 });
  const results = new ResultIndex(store);
  const at = Date.now();
  for (const userId of ["alice", "bob"]) {
    await queueStore.save(job({ id: `${userId}-waiting`, userId, state: "queued", at }));
    await queueStore.history.set(
      `${userId}-done`,
      job({ id: `${userId}-done`, userId, state: "succeeded", at }),
    );
    await queueStore.history.set(
      `${userId}-other-server`,
      job({ id: `${userId}-other-server`, userId, state: "failed", at, guildId: "g2" }),
    );
    await results.record(result({ messageId: `${userId}-m1`, userId, createdAt: at }));
    await results.record(result({ messageId: `${userId}-m2`, userId, createdAt: at, guildId: "g2" }));
    await queueStore.rateLimits.set(userId, { hits: [at] }, { ttlMs: 60_000 });
  }
  return { queueStore, results };
}

describe("forgetting one user", () => {
  it("deletes every job, result link and rate record of that user in every server and nothing of another's", async () => {
    const store = await openTempStore();
    stores.push(store);
    const { queueStore, results } = await seed(store);

    expect(await queueStore.forgetUser("alice")).toEqual({ jobs: 1, history: 2, rateRecords: 1 });
    expect(await results.forgetUser("alice")).toBe(2);

    expect(await idsIn(store, "jobs")).toEqual(["bob-waiting"]);
    expect(await idsIn(store, "job-history")).toEqual(["bob-done", "bob-other-server"]);
    expect(await idsIn(store, "results")).toEqual(["bob-m1", "bob-m2"]);
    expect(await idsIn(store, "rate-limits")).toEqual(["bob"]);
    const everything = await store.sql()!<{ n: number }>(
      "SELECT count(*) AS n FROM keyv WHERE value LIKE '%alice%'",
    );
    expect(everything).toEqual([{ n: 0 }]);
  });

  it("works the same on an in-memory store", async () => {
    const store = await Store.open({ logger: silent });
    stores.push(store);
    const { queueStore, results } = await seed(store);
    expect(await queueStore.forgetUser("bob")).toEqual({ jobs: 1, history: 2, rateRecords: 1 });
    expect(await results.forgetUser("bob")).toBe(2);
    expect(await queueStore.jobs.get("alice-waiting")).toBeDefined();
    expect(await queueStore.jobs.get("bob-waiting")).toBeUndefined();
    expect(await results.get("alice-m2")).toBeDefined();
    expect(await results.get("bob-m1")).toBeUndefined();
  });
});
