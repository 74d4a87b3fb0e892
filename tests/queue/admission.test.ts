import { describe, expect, it } from "vitest";
import type { EffectiveLimits } from "../../src/queue/admission.js";
import { FakeClock } from "../support/fake-clock.js";
import { ids, memoryStores, openQueue, request } from "./support/harness.js";
import { FakeDispatcher } from "./support/fake-dispatcher.js";

const tight: EffectiveLimits = { jobsPerWindow: 2, windowSeconds: 60, maxQueuedPerUser: 5 };

describe("JobQueue admission", () => {
  it("accepts with the job, its position and an ETA, and stores the job before answering", async () => {
    const dispatcher = new FakeDispatcher([{ id: "gpu-1", slots: 0 }]);
    const { queue, stores } = await openQueue({ dispatcher, newId: ids("job") });
    const first = await queue.admit(request("alice"));
    const second = await queue.admit(request("bob"));
    expect(first).toMatchObject({ kind: "accepted", position: 0, job: { id: "job-1", state: "queued" } });
    expect(second).toMatchObject({ kind: "accepted", position: 1 });
    if (second.kind !== "accepted") throw new Error("expected accepted");
    expect(second.etaMs).toBeGreaterThan(0);
    expect((await stores.jobs.get("job-2"))?.userId).toBe("bob");
  });

  it("rate-limits at exactly jobsPerWindow within the window and admits again at the window edge", async () => {
    const time = new FakeClock(() => 1_700_000_000_000);
    const { queue } = await openQueue({ now: time.now });
    expect((await queue.admit(request("u", { limits: tight }))).kind).toBe("accepted");
    await time.advance(1000);
    expect((await queue.admit(request("u", { limits: tight }))).kind).toBe("accepted");
    await time.advance(1000);
    expect(await queue.admit(request("u", { limits: tight }))).toEqual({
      kind: "rate_limited",
      retryAfterMs: 58_000,
      limit: 2,
      windowSeconds: 60,
    });
    await time.advance(57_999);
    expect((await queue.admit(request("u", { limits: tight }))).kind).toBe("rate_limited");
    await time.advance(1);
    expect((await queue.admit(request("u", { limits: tight }))).kind).toBe("accepted");
  });

  it("counts rerolls like any other job", async () => {
    const { queue } = await openQueue();
    const first = await queue.admit(request("u", { limits: tight }));
    if (first.kind !== "accepted") throw new Error("expected accepted");
    const reroll = await queue.admit(request("u", { limits: tight, rerollOf: first.job.id }));
    expect(reroll).toMatchObject({ kind: "accepted", job: { rerollOf: first.job.id } });
    expect((await queue.admit(request("u", { limits: tight, rerollOf: first.job.id }))).kind).toBe(
      "rate_limited",
    );
  });

  it("caps each user's unfinished jobs and the whole queue, and answers decisions instead of throwing", async () => {
    const dispatcher = new FakeDispatcher([{ id: "gpu-1", slots: 0 }]);
    const { queue } = await openQueue({
      dispatcher,
      limits: { maxSize: 3, maxRequeues: 1, shutdownGraceSeconds: 0 },
    });
    const capped = { jobsPerWindow: 100, windowSeconds: 60, maxQueuedPerUser: 2 };
    expect((await queue.admit(request("a", { limits: capped }))).kind).toBe("accepted");
    expect((await queue.admit(request("a", { limits: capped }))).kind).toBe("accepted");
    expect(await queue.admit(request("a", { limits: capped }))).toEqual({
      kind: "too_many_queued",
      limit: 2,
      queued: 2,
    });
    expect((await queue.admit(request("b", { limits: capped }))).kind).toBe("accepted");
    expect(await queue.admit(request("c", { limits: capped }))).toEqual({ kind: "queue_full", maxSize: 3 });
  });

  it("caps one server's waiting jobs at maxPerGuild, so members of other servers still get in", async () => {
    const dispatcher = new FakeDispatcher([{ id: "gpu-1", slots: 0 }]);
    const { queue } = await openQueue({
      dispatcher,
      limits: { maxSize: 10, maxPerGuild: 2, maxRequeues: 1, shutdownGraceSeconds: 0 },
    });
    expect((await queue.admit(request("a", { guildId: "busy" }))).kind).toBe("accepted");
    expect((await queue.admit(request("b", { guildId: "busy" }))).kind).toBe("accepted");
    expect(await queue.admit(request("c", { guildId: "busy" }))).toEqual({
      kind: "guild_queue_full",
      maxPerGuild: 2,
    });
    expect((await queue.admit(request("d", { guildId: "quiet" }))).kind).toBe("accepted");
    // A job that leaves the line (here: cancelled) makes room again.
    const first = queue.jobsOf("a")[0]!;
    await queue.cancel(first.id, { userId: "a" });
    expect((await queue.admit(request("c", { guildId: "busy" }))).kind).toBe("accepted");
  });

  it("answers store_failed, keeps nothing and gives the rate-limit slot back when the job cannot be stored", async () => {
    const dispatcher = new FakeDispatcher([{ id: "gpu-1", slots: 0 }]);
    const stores = memoryStores();
    let failing = true;
    const insert = stores.jobs.insert.bind(stores.jobs);
    stores.jobs.insert = async (job) => {
      if (failing) throw new Error("SQLITE_FULL: database or disk is full");
      return insert(job);
    };
    const { queue, events } = await openQueue({ dispatcher, stores });
    const once = { jobsPerWindow: 1, windowSeconds: 60, maxQueuedPerUser: 5 };
    expect(await queue.admit(request("u", { limits: once }))).toEqual({ kind: "store_failed" });
    expect(queue.jobsOf("u")).toEqual([]);
    expect(queue.depth).toBe(0);
    expect(events).toEqual([]);
    expect(await stores.rates.hits("u")).toEqual([]);
    failing = false;
    // The failed attempt did not use the member's one job per window.
    expect((await queue.admit(request("u", { limits: once }))).kind).toBe("accepted");
  });

  it("refuses on the policy verdict or the precheck hook without counting the attempt", async () => {
    const { queue } = await openQueue({
      precheck: (req) =>
        String(req.params["prompt"]).includes("forbidden")
          ? { allowed: false, reason: "banned term" }
          : { allowed: true },
    });
    expect(
      await queue.admit(request("u", { verdict: { allowed: false, reason: "nsfw", code: "nsfw" } })),
    ).toEqual({
      kind: "refused",
      reason: "nsfw",
      code: "nsfw",
    });
    expect(await queue.admit(request("u", { params: { prompt: "forbidden" } }))).toMatchObject({
      kind: "refused",
      reason: "banned term",
    });
    expect(queue.depth + queue.stats().running + queue.stats().staged).toBe(0);
    expect((await queue.admit(request("u", { limits: tight }))).kind).toBe("accepted");
  });

  it("never over-admits when many users click many times at once", async () => {
    const dispatcher = new FakeDispatcher([{ id: "gpu-1", slots: 0 }]);
    const { queue } = await openQueue({
      dispatcher,
      limits: { maxSize: 250, maxPerGuild: 1000, maxRequeues: 1, shutdownGraceSeconds: 0 },
    });
    const limits = { jobsPerWindow: 4, windowSeconds: 60, maxQueuedPerUser: 3 };
    const users = Array.from({ length: 100 }, (_, i) => `user-${i}`);
    const decisions = await Promise.all(
      users.flatMap((userId) =>
        Array.from({ length: 6 }, async () => queue.admit(request(userId, { limits }))),
      ),
    );
    const accepted = decisions.filter((decision) => decision.kind === "accepted");
    // 100 users × 3 allowed each = 300 > maxSize: the global cap wins exactly.
    expect(accepted).toHaveLength(250);
    expect(queue.depth).toBe(250);
    for (const userId of users) expect(queue.jobsOf(userId).length).toBeLessThanOrEqual(3);
    const kinds = new Set(decisions.map((decision) => decision.kind));
    expect([...kinds].sort()).toEqual(["accepted", "queue_full", "too_many_queued"]);
  });

  it("answers closed once shutdown has begun", async () => {
    const { queue } = await openQueue();
    await queue.close({ graceMs: 0 });
    expect(await queue.admit(request("u"))).toEqual({ kind: "closed" });
  });
});
