import { describe, expect, it } from "vitest";
import type { AdmissionLimits } from "../../src/storage/redis/redis-admission.js";
import type { RedisStorage } from "../../src/storage/redis/redis-storage.js";
import { cancelledJob, queuedJob, runningJob, stagedJob } from "../support/stored-records.js";
import { RedisStorages } from "./support/redis-storages.js";

const redis = RedisStorages.forFile();

const roomy: AdmissionLimits = {
  maxQueuedPerUser: 100,
  jobsPerWindow: 100,
  windowSeconds: 60,
  maxSize: 1000,
  maxPerGuild: 1000,
};

/** Two bot processes on one store, each with its own connection. */
async function twoProcesses(): Promise<[RedisStorage, RedisStorage]> {
  const keyPrefix = RedisStorages.freshPrefix();
  return [await redis.open({ keyPrefix }), await redis.open({ keyPrefix })];
}

/** Every entry of the stream, read from its start on a connection of its own. */
async function allEntries(storage: RedisStorage) {
  const reader = await storage.connection.sibling("test-reader");
  try {
    return await storage.events.read(reader, "0-0", 10, 10_000);
  } finally {
    await reader.close();
  }
}

describe("job writes shared by several processes on Redis", () => {
  it("stores a change made from the revision it read, announces it on the stream, and refuses one made from an older revision", async () => {
    const [a, b] = await twoProcesses();
    await a.admission.admit(queuedJob({ id: "j", seq: 1 }), roomy);
    const read = await a.events.get("j");
    expect(read?.rev).toBe(1);

    const staged = stagedJob({ id: "j", seq: 1 });
    const first = await a.events.commit({ job: staged, expectRev: 1, announcement: '{"type":"staged"}' });
    expect(first).toMatchObject({ kind: "stored", rev: 2 });
    // Process b decided from revision 1 too: it is told what is stored now, and writes nothing.
    const late = await b.events.commit({ job: cancelledJob({ id: "j", seq: 1 }), expectRev: 1 });
    expect(late).toEqual({ kind: "changed", current: { job: staged, rev: 2 } });
    expect(await a.jobs.get("j")).toEqual(staged);

    const entries = await allEntries(a);
    expect(entries.map((entry) => [entry.fields["n"], entry.fields["rev"], entry.fields["ev"]])).toEqual([
      ["1", "1", '{"type":"queued"}'],
      ["2", "2", '{"type":"staged"}'],
    ]);
    expect(JSON.parse(entries[1]!.fields["job"] ?? "")).toEqual(staged);
  });

  it("tells a writer that the job is gone instead of writing it back", async () => {
    const [a] = await twoProcesses();
    await a.jobs.insert(queuedJob({ id: "gone", seq: 1, userId: "alice" }));
    await a.jobs.forgetUser("alice");
    expect(await a.events.commit({ job: stagedJob({ id: "gone", seq: 1 }), expectRev: 1 })).toEqual({
      kind: "changed",
      current: undefined,
    });
    expect(await a.jobs.get("gone")).toBeUndefined();
  });

  it("refuses the conductor's write once its lease was granted to someone newer", async () => {
    const [a, b] = await twoProcesses();
    await a.jobs.insert(queuedJob({ id: "j", seq: 1 }));
    const old = await a.lease("conductor").acquire("bot-a", 60_000);
    if (!old.acquired) throw new Error("expected the lease");
    await a.lease("conductor").release("bot-a", old.fence);
    const next = await b.lease("conductor").acquire("bot-b", 60_000);
    if (!next.acquired) throw new Error("expected the lease");

    const refused = await a.events.commit({
      job: stagedJob({ id: "j", seq: 1 }),
      expectRev: 1,
      fence: { leaseName: "conductor", fence: old.fence },
    });
    expect(refused).toEqual({ kind: "fenced", latestFence: next.fence });
    const stored = await b.events.commit({
      job: stagedJob({ id: "j", seq: 1 }),
      expectRev: 1,
      fence: { leaseName: "conductor", fence: next.fence },
    });
    expect(stored).toMatchObject({ kind: "stored", rev: 2 });
  });

  it("queues a cancelled job's prompt for the conductor, who takes it once", async () => {
    const [a, b] = await twoProcesses();
    await a.jobs.insert(queuedJob({ id: "j", seq: 1 }));
    const running = runningJob({ id: "j", seq: 1 });
    await a.events.commit({ job: running, expectRev: 1 });
    await b.events.commit({ job: cancelledJob({ id: "j", seq: 1 }), expectRev: 2, stopRun: running.run });
    expect(await a.events.takeRunsToStop()).toEqual([running.run]);
    expect(await a.events.takeRunsToStop()).toEqual([]);
  });

  it("gives the open jobs with their revisions and the stream's position in one step, so a reader misses nothing and sees nothing twice", async () => {
    const [a, b] = await twoProcesses();
    await a.admission.admit(queuedJob({ id: "one", seq: 1 }), roomy);
    await a.admission.admit(queuedJob({ id: "two", seq: 2 }), roomy);
    await a.events.commit({ job: stagedJob({ id: "one", seq: 1 }), expectRev: 1 });
    const snapshot = await b.events.snapshot();
    expect(snapshot.jobs.map(({ job, rev }) => [job.id, job.state, rev])).toEqual([
      ["one", "staged", 2],
      ["two", "queued", 1],
    ]);
    expect(snapshot.n).toBe(3);

    await a.events.commit({ job: cancelledJob({ id: "two", seq: 2 }), expectRev: 1 });
    await a.events.publish({ k: "live", id: "one", ev: '{"type":"node","nodeId":"3"}' });
    const reader = await b.connection.sibling("test-reader");
    try {
      const after = await b.events.read(reader, snapshot.after, 10);
      expect(after.map((entry) => [entry.fields["n"], entry.fields["k"]])).toEqual([
        ["4", "job"],
        ["5", "live"],
      ]);
    } finally {
      await reader.close();
    }
  });

  it("deletes a forgotten member's entries from the stream and keeps the others'", async () => {
    const [a] = await twoProcesses();
    await a.admission.admit(queuedJob({ id: "alice-1", seq: 1, userId: "alice" }), roomy);
    await a.admission.admit(queuedJob({ id: "bob-1", seq: 2, userId: "bob" }), roomy);
    await a.events.commit({ job: stagedJob({ id: "alice-1", seq: 1, userId: "alice" }), expectRev: 1 });
    await a.jobs.forgetUser("alice");
    const entries = await allEntries(a);
    expect(entries.map((entry) => entry.fields["u"])).toEqual(["bob"]);
    expect(JSON.stringify(entries)).not.toContain("alice");
  });
});
