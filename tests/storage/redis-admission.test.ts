import { describe, expect, it } from "vitest";
import { RedisAdmission, type AdmissionLimits } from "../../src/storage/redis/redis-admission.js";
import type { RedisStorage } from "../../src/storage/redis/redis-storage.js";
import { queuedJob, stagedJob, succeededJob } from "../support/stored-records.js";
import { RedisStorages } from "./support/redis-storages.js";

const redis = RedisStorages.forFile();

const roomy: AdmissionLimits = {
  maxQueuedPerUser: 100,
  jobsPerWindow: 100,
  windowSeconds: 60,
  maxSize: 1000,
  maxPerGuild: 1000,
};

/** `count` storages on one key prefix, each with its own connection: as many bot processes. */
async function processes(count: number): Promise<RedisStorage[]> {
  const keyPrefix = RedisStorages.freshPrefix();
  return Promise.all(Array.from({ length: count }, async () => redis.open({ keyPrefix })));
}

/** Every process admits one job at once; returns the outcomes' kinds, counted. */
async function admitAtOnce(
  storages: RedisStorage[],
  job: (index: number) => ReturnType<typeof queuedJob>,
  limits: AdmissionLimits,
  now = Date.now(),
) {
  const outcomes = await Promise.all(
    storages.map(async (storage, index) =>
      new RedisAdmission(storage.connection).admit(job(index), limits, now),
    ),
  );
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) counts[outcome.kind] = (counts[outcome.kind] ?? 0) + 1;
  return { outcomes, counts };
}

describe("atomic admission on Redis", () => {
  it("accepts exactly 3 of one member's 20 simultaneous admissions from 20 connections when the limit is 3", async () => {
    const storages = await processes(20);
    const { counts, outcomes } = await admitAtOnce(
      storages,
      (index) => queuedJob({ id: `job-${index}`, seq: index + 1, userId: "alice" }),
      { ...roomy, maxQueuedPerUser: 3 },
    );
    expect(counts).toEqual({ accepted: 3, too_many_queued: 17 });
    expect(outcomes.find((outcome) => outcome.kind === "too_many_queued")).toEqual({
      kind: "too_many_queued",
      limit: 3,
      queued: 3,
    });
    const stored = await storages[0]!.jobs.loadOpen();
    expect(stored.jobs).toHaveLength(3);
    // Each accepted job counted one hit, and only those.
    expect(await storages[0]!.rates.hits("alice")).toHaveLength(3);
  });

  it("holds the rate window across connections and says when the oldest hit leaves it", async () => {
    const storages = await processes(10);
    const now = 1_800_000_000_000;
    const limits = { ...roomy, jobsPerWindow: 4, windowSeconds: 60 };
    const first = await admitAtOnce(
      storages,
      (index) => queuedJob({ id: `a-${index}`, seq: index + 1, userId: "bob" }),
      limits,
      now,
    );
    expect(first.counts).toEqual({ accepted: 4, rate_limited: 6 });
    expect(first.outcomes.find((outcome) => outcome.kind === "rate_limited")).toEqual({
      kind: "rate_limited",
      retryAfterMs: 60_000,
      limit: 4,
      windowSeconds: 60,
    });
    const admission = new RedisAdmission(storages[0]!.connection);
    const later = await admission.admit(
      queuedJob({ id: "later", seq: 50, userId: "bob" }),
      limits,
      now + 59_999,
    );
    expect(later).toMatchObject({ kind: "rate_limited", retryAfterMs: 1 });
    const next = await admission.admit(
      queuedJob({ id: "next", seq: 51, userId: "bob" }),
      limits,
      now + 60_000,
    );
    expect(next).toEqual({ kind: "accepted", at: now + 60_000 });
  });

  it("holds the queue's cap and the server's cap for many members admitting at once", async () => {
    const storages = await processes(12);
    const whole = await admitAtOnce(
      storages,
      (index) =>
        queuedJob({ id: `w-${index}`, seq: index + 1, userId: `member-${index}`, guildId: `g${index % 3}` }),
      { ...roomy, maxSize: 5 },
    );
    expect(whole.counts).toEqual({ accepted: 5, queue_full: 7 });

    const others = await processes(12);
    const perGuild = await admitAtOnce(
      others,
      (index) => queuedJob({ id: `s-${index}`, seq: index + 1, userId: `member-${index}`, guildId: "busy" }),
      { ...roomy, maxPerGuild: 2 },
    );
    expect(perGuild.counts).toEqual({ accepted: 2, guild_queue_full: 10 });
  });

  it("counts only waiting jobs against the caps and only unfinished ones against the member", async () => {
    const [storage] = await processes(1);
    const admission = new RedisAdmission(storage!.connection);
    await storage!.jobs.save(stagedJob({ id: "in-flight", seq: 1, userId: "carol" }));
    await storage!.jobs.save(succeededJob({ id: "done", seq: 2, userId: "carol" }));
    const limits = { ...roomy, maxQueuedPerUser: 2, maxSize: 1, maxPerGuild: 1 };
    expect(await admission.admit(queuedJob({ id: "one", seq: 3, userId: "carol" }), limits)).toMatchObject({
      kind: "accepted",
    });
    // Now carol has two unfinished jobs (one in flight, one waiting): the member limit is reached.
    expect(await admission.admit(queuedJob({ id: "two", seq: 4, userId: "carol" }), limits)).toEqual({
      kind: "too_many_queued",
      limit: 2,
      queued: 2,
    });
    // Another member meets the full line (one waiting job, cap 1).
    expect(await admission.admit(queuedJob({ id: "dan", seq: 5, userId: "dan" }), limits)).toEqual({
      kind: "queue_full",
      maxSize: 1,
    });
  });

  it("refuses a job id stored already, storing nothing and counting no hit", async () => {
    const [storage] = await processes(1);
    const admission = new RedisAdmission(storage!.connection);
    await admission.admit(queuedJob({ id: "same", seq: 1, userId: "erin" }), roomy);
    await expect(
      admission.admit(queuedJob({ id: "same", seq: 2, userId: "erin" }), roomy),
    ).rejects.toMatchObject({
      name: "StorageError",
      failure: "conflict",
    });
    expect(await storage!.rates.hits("erin")).toHaveLength(1);
    expect((await storage!.jobs.get("same"))?.seq).toBe(1);
  });

  it("hands out every seq once across connections, above every stored job's", async () => {
    const storages = await processes(5);
    await storages[0]!.jobs.save(succeededJob({ id: "old", seq: 41 }));
    const seqs = await Promise.all(
      Array.from({ length: 50 }, async (_, index) =>
        new RedisAdmission(storages[index % 5]!.connection).allocateSeq(),
      ),
    );
    expect(new Set(seqs).size).toBe(50);
    expect(Math.min(...seqs)).toBe(42);
    expect(Math.max(...seqs)).toBe(91);
  });
});
