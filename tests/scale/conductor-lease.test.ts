import { describe, expect, it } from "vitest";
import type { JobChange } from "../../src/queue/job-commit.js";
import { ConductorLease, type LeaseTiming } from "../../src/scale/conductor-lease.js";
import { FencedCommitter, LeaseLostError } from "../../src/scale/fenced-committer.js";
import type { RedisLease } from "../../src/storage/redis/redis-lease.js";
import type { RedisStorage } from "../../src/storage/redis/redis-storage.js";
import { eventually } from "../support/eventually.js";
import { queuedJob, stagedJob } from "../support/stored-records.js";
import { RedisStorages } from "../storage/support/redis-storages.js";
import { silent } from "../storage/support/temp-storage.js";

const redis = RedisStorages.forFile();

/** Short enough that a takeover fits a test, with the same proportions as the defaults. */
const timing: LeaseTiming = { ttlMs: 600, renewEveryMs: 150, retryMs: 50, safetyMs: 150 };

interface Contender {
  storage: RedisStorage;
  lease: ConductorLease;
  gained: number[];
  lost: string[];
  /** Acquire attempts Redis refused (someone else held the lease). */
  refusals: () => number;
}

/** Bot processes on one Redis, each with its own connection, contending for the lease. */
async function contenders(holders: readonly string[]): Promise<Contender[]> {
  const keyPrefix = RedisStorages.freshPrefix();
  const all: Contender[] = [];
  for (const holder of holders) {
    const storage = await redis.open({ keyPrefix });
    const counted = countingRefusals(storage.lease("conductor"));
    const gained: number[] = [];
    const lost: string[] = [];
    const lease = new ConductorLease({
      lease: counted.lease,
      holder,
      timing,
      logger: silent,
      onGained: (fence) => gained.push(fence),
      onLost: (reason) => lost.push(reason),
    });
    all.push({ storage, lease, gained, lost, refusals: counted.refusals });
  }
  return all;
}

/** The same lease, counting refused grants: how a test knows a contender kept trying. */
function countingRefusals(lease: RedisLease): { lease: RedisLease; refusals: () => number } {
  let refusals = 0;
  const acquire = lease.acquire.bind(lease);
  lease.acquire = async (holder, ttlMs) => {
    const grant = await acquire(holder, ttlMs);
    if (!grant.acquired) refusals++;
    return grant;
  };
  return { lease, refusals: () => refusals };
}

describe("the conductor lease between bot processes", () => {
  it("goes to one process, which keeps it by renewing while the other keeps asking", async () => {
    const [a, b] = await contenders(["bot-a", "bot-b"]);
    a!.lease.start();
    await eventually(() => a!.gained.length === 1, "bot-a to take the lease");
    b!.lease.start();
    // Twenty refused attempts span several TTLs: only renewals can have kept the lease with bot-a.
    await eventually(() => b!.refusals() >= 20, "bot-b to ask many times", { timeoutMs: 10_000 });
    expect(b!.gained).toEqual([]);
    expect(a!.lost).toEqual([]);
    expect(await b!.storage.lease("conductor").current()).toEqual({ holder: "bot-a", fence: a!.gained[0] });
    await a!.lease.release();
    await b!.lease.release();
  });

  it("is handed over at once on release, with a larger fence", async () => {
    const [a, b] = await contenders(["bot-a", "bot-b"]);
    a!.lease.start();
    await eventually(() => a!.gained.length === 1, "bot-a to take the lease");
    b!.lease.start();
    await eventually(() => b!.refusals() >= 1, "bot-b to be refused once");
    await a!.lease.release();
    b!.lease.wake();
    await eventually(() => b!.gained.length === 1, "bot-b to take the released lease");
    expect(b!.gained[0]).toBeGreaterThan(a!.gained[0]!);
    // Releasing is not losing: nothing told bot-a to stop mid-write.
    expect(a!.lost).toEqual([]);
    await b!.lease.release();
  });

  it("moves to another process when its holder stops renewing, and the old holder's writes are refused", async () => {
    const [a, b] = await contenders(["bot-a", "bot-b"]);
    await a!.storage.jobs.insert(queuedJob({ id: "j", seq: 1 }));
    a!.lease.start();
    await eventually(() => a!.gained.length === 1, "bot-a to take the lease");
    const oldFence = a!.gained[0]!;
    b!.lease.start();
    // bot-a's Redis goes away (a network split): its renewals fail, so it must stop on its own.
    await redis.close(a!.storage);
    await eventually(() => a!.lost.length === 1, "bot-a to give up conducting", { timeoutMs: 5000 });
    await eventually(() => b!.gained.length === 1, "bot-b to take over", { timeoutMs: 5000 });
    expect(b!.gained[0]).toBeGreaterThan(oldFence);

    // A write bot-a decided before it noticed is refused inside Redis by the fence.
    let fenced = 0;
    const late = new FencedCommitter({
      events: b!.storage.events,
      leaseName: "conductor",
      fence: oldFence,
      onFenced: () => fenced++,
    });
    late.know("j", 1);
    const change: JobChange = {
      previous: queuedJob({ id: "j", seq: 1 }),
      next: stagedJob({ id: "j", seq: 1 }),
      event: { type: "dispatch", backend: "gpu-1", promptId: "p1", at: 1 },
      effects: [],
    };
    await expect(late.commit(change)).rejects.toThrow(LeaseLostError);
    expect(fenced).toBe(1);
    expect((await b!.storage.jobs.get("j"))?.state).toBe("queued");

    // The new holder's write with its own fence goes through.
    const current = new FencedCommitter({
      events: b!.storage.events,
      leaseName: "conductor",
      fence: b!.gained[0]!,
      onFenced: () => fenced++,
    });
    current.know("j", 1);
    expect(await current.commit(change)).toEqual({
      kind: "stored",
    });
    expect((await b!.storage.jobs.get("j"))?.state).toBe("staged");
    await b!.lease.release();
  });
});
