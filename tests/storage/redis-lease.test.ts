import { describe, expect, it } from "vitest";
import type { RedisStorage } from "../../src/storage/redis/redis-storage.js";
import { eventually } from "../support/eventually.js";
import { queuedJob, runningJob, stagedJob } from "../support/stored-records.js";
import { RedisStorages } from "./support/redis-storages.js";

const redis = RedisStorages.forFile();

/** Two bot processes on one store, each with its own connection. */
async function twoProcesses(): Promise<[RedisStorage, RedisStorage]> {
  const keyPrefix = RedisStorages.freshPrefix();
  return [await redis.open({ keyPrefix }), await redis.open({ keyPrefix })];
}

describe("the conductor lease on Redis", () => {
  it("grants one holder at a time: the second is told who holds it and for how long", async () => {
    const [a, b] = await twoProcesses();
    const results = await Promise.all([
      a.lease("conductor").acquire("bot-a", 5000),
      b.lease("conductor").acquire("bot-b", 5000),
    ]);
    const granted = results.filter((result) => result.acquired);
    expect(granted).toHaveLength(1);
    const refused = results.find((result) => !result.acquired);
    expect(refused).toMatchObject({ acquired: false });
    if (refused?.acquired === false) {
      expect(["bot-a", "bot-b"]).toContain(refused.holder);
      expect(refused.ttlMs).toBeGreaterThan(4000);
      expect(refused.ttlMs).toBeLessThanOrEqual(5000);
    }
    // Acquiring again as the holder keeps the fence.
    const holder = results[0]?.acquired ? "bot-a" : "bot-b";
    const again = await a.lease("conductor").acquire(holder, 5000);
    expect(again).toEqual(granted[0]);
  });

  it("is renewed only by its holder with its fence, and expires when not renewed", async () => {
    const [a, b] = await twoProcesses();
    const grant = await a.lease("conductor").acquire("bot-a", 300);
    if (!grant.acquired) throw new Error("expected the lease");
    expect(await b.lease("conductor").renew("bot-b", grant.fence, 300)).toBe(false);
    expect(await b.lease("conductor").renew("bot-a", grant.fence + 1, 300)).toBe(false);
    expect(await a.lease("conductor").renew("bot-a", grant.fence, 300)).toBe(true);
    expect(await b.lease("conductor").current()).toEqual({ holder: "bot-a", fence: grant.fence });
    await eventually(
      async () => (await b.lease("conductor").current()) === undefined,
      "the lease to expire",
      {
        timeoutMs: 2000,
        intervalMs: 20,
      },
    );
    expect(await a.lease("conductor").renew("bot-a", grant.fence, 300)).toBe(false);
  });

  it("lets another process take over after expiry with a larger fence", async () => {
    const [a, b] = await twoProcesses();
    const first = await a.lease("conductor").acquire("bot-a", 100);
    if (!first.acquired) throw new Error("expected the lease");
    await eventually(
      async () => (await b.lease("conductor").acquire("bot-b", 5000)).acquired,
      "bot-b to take the lease",
      { timeoutMs: 2000, intervalMs: 20 },
    );
    const second = await b.lease("conductor").current();
    expect(second?.holder).toBe("bot-b");
    expect(second?.fence).toBeGreaterThan(first.fence);
  });

  it("hands over at once on release, and only its holder can release it", async () => {
    const [a, b] = await twoProcesses();
    const first = await a.lease("conductor").acquire("bot-a", 60_000);
    if (!first.acquired) throw new Error("expected the lease");
    expect(await b.lease("conductor").release("bot-b", first.fence)).toBe(false);
    expect(await a.lease("conductor").release("bot-a", first.fence)).toBe(true);
    const next = await b.lease("conductor").acquire("bot-b", 60_000);
    expect(next).toEqual({ acquired: true, fence: first.fence + 1 });
  });

  it("refuses a job write carrying a fence older than the lease's, and leaves the successor's job as it wrote it", async () => {
    const [a, b] = await twoProcesses();
    await a.jobs.insert(queuedJob({ id: "j", seq: 1 }));
    const old = await a.lease("conductor").acquire("bot-a", 100);
    if (!old.acquired) throw new Error("expected the lease");
    expect(await a.fencedJobs("conductor").save(stagedJob({ id: "j", seq: 1 }), old.fence)).toEqual({
      written: true,
    });

    await eventually(
      async () => (await b.lease("conductor").acquire("bot-b", 60_000)).acquired,
      "bot-b to take the lease",
      { timeoutMs: 2000, intervalMs: 20 },
    );
    const successor = await b.lease("conductor").current();
    const requeued = { ...queuedJob({ id: "j", seq: 1 }), requeues: 1 };
    expect(await b.fencedJobs("conductor").save(requeued, successor?.fence ?? 0)).toEqual({ written: true });

    // The stalled conductor wakes up and tries to record that the prompt started.
    const late = await a.fencedJobs("conductor").save(runningJob({ id: "j", seq: 1 }), old.fence);
    expect(late).toEqual({ written: false, latestFence: successor?.fence });
    expect(await a.jobs.get("j")).toEqual(requeued);
    expect((await a.jobs.loadOpen()).jobs).toEqual([requeued]);
  });
});
