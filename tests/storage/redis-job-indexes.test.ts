import { describe, expect, it } from "vitest";
import { jobIndexesVersion } from "../../src/storage/redis/job-indexes.js";
import { deliveredJob, queuedJob, stagedJob, succeededJob } from "../support/stored-records.js";
import { RedisStorages } from "./support/redis-storages.js";

const redis = RedisStorages.forFile();

describe("the job indexes on Redis", () => {
  it("keep each job in the indexes its state puts it in, through every save", async () => {
    const storage = await redis.open();
    const { client, keys } = storage.connection;
    await storage.jobs.insert(queuedJob({ id: "j", seq: 1, userId: "u1", guildId: "g1" }));
    expect(await client.sMembers(keys.waitingJobs)).toEqual(["j"]);
    expect(await client.sMembers(keys.waitingIn("g1"))).toEqual(["j"]);
    expect(await client.sMembers(keys.openJobsOf("u1"))).toEqual(["j"]);
    await storage.jobs.save(stagedJob({ id: "j", seq: 1, userId: "u1", guildId: "g1" }));
    expect(await client.sCard(keys.waitingJobs)).toBe(0);
    expect(await client.sMembers(keys.openJobsOf("u1"))).toEqual(["j"]);
    // Succeeded but not posted: no longer holds the member's place, still loaded at start-up.
    await storage.jobs.save(succeededJob({ id: "j", seq: 1, userId: "u1", guildId: "g1", finishedAt: 77 }));
    expect(await client.sCard(keys.openJobsOf("u1"))).toBe(0);
    expect(await client.zRange(keys.openJobs, 0, -1)).toEqual(["j"]);
    expect(await client.zCard(keys.finishedJobs)).toBe(0);
    expect(await client.hGet(keys.job("j"), "state")).toBe("succeeded");
    await storage.jobs.save(deliveredJob({ id: "j", seq: 1, userId: "u1", guildId: "g1", finishedAt: 77 }));
    expect(await client.zCard(keys.openJobs)).toBe(0);
    expect(await client.zRangeWithScores(keys.finishedJobs, 0, -1)).toEqual([{ value: "j", score: 77 }]);
  });

  it("are filed again at start-up when they were built under another rule", async () => {
    const keyPrefix = RedisStorages.freshPrefix();
    const first = await redis.open({ keyPrefix });
    await first.jobs.insert(queuedJob({ id: "waiting", seq: 1 }));
    await first.jobs.save(deliveredJob({ id: "done", seq: 2 }));
    // As an older rule would have left them: the waiting job unindexed, the finished one open.
    const { client, keys } = first.connection;
    await client.zRem(keys.openJobs, "waiting");
    await client.sRem(keys.waitingJobs, "waiting");
    await client.zAdd(keys.openJobs, { score: 2, value: "done" });
    await client.set(keys.jobIndexesVersion, "0");
    await redis.close(first);

    const next = await redis.open({ keyPrefix });
    expect((await next.jobs.loadOpen()).jobs.map((job) => job.id)).toEqual(["waiting"]);
    expect(await next.connection.client.sMembers(keys.waitingJobs)).toEqual(["waiting"]);
    expect(await next.connection.client.get(keys.jobIndexesVersion)).toBe(jobIndexesVersion);
    expect((await next.jobs.get("done"))?.state).toBe("delivered");
  });
});
