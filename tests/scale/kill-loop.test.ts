import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LeaseTiming } from "../../src/scale/conductor-lease.js";
import type { ComfySimulator } from "../../src/simulator/comfy-simulator.js";
import { RedisStorage } from "../../src/storage/redis/redis-storage.js";
import { startSimulators } from "../dispatch/support/comfy-stack.js";
import { silent } from "../queue/support/harness.js";
import { RedisStorages } from "../storage/support/redis-storages.js";
import { eventually } from "../support/eventually.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { prng, runKillLoop, ScaleCluster, tally } from "./support/scale-cluster.js";

// Three bot processes (each one shard of three) on one real Redis and two ComfyUI simulators. A
// random process dies every round while jobs keep coming; each job must end once, delivered, and
// the simulators must have run each job's prompt exactly once.

const timing: LeaseTiming = { ttlMs: 600, renewEveryMs: 150, retryMs: 50, safetyMs: 150 };

let redis: RedisServer;
let sims: ComfySimulator[] = [];
let cluster: ScaleCluster | undefined;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterEach(async () => {
  await cluster?.closeAll();
  await Promise.all(sims.map(async (sim) => sim.close()));
  cluster = undefined;
  sims = [];
});
afterAll(async () => redis.stop());

describe("bot processes sharing Redis while processes die", () => {
  it("end every job exactly once, delivered, through 20 rounds of a random process being killed", async () => {
    // Slow enough steps that prompts are in flight when a conductor dies.
    sims = await startSimulators(2, 40);
    const keyPrefix = RedisStorages.freshPrefix();
    cluster = new ScaleCluster({
      redisUrl: redis.url,
      keyPrefix,
      sims,
      processes: 3,
      timing,
      logger: silent,
    });
    await cluster.startAll();
    const { jobs, killedWithPrompts } = await runKillLoop(cluster, {
      rounds: 20,
      jobsPerRound: 5,
      random: prng(16),
      waitMs: 10_000,
    });
    expect(jobs).toHaveLength(100);
    // Some rounds must have killed a busy conductor, or failover was not tested.
    expect(killedWithPrompts).toBeGreaterThan(2);

    const check = await RedisStorage.open({ url: redis.url, keyPrefix, logger: silent });
    try {
      await eventually(async () => (await tally(check, jobs, sims)).lost === 0, "every job delivered", {
        timeoutMs: 60_000,
        intervalMs: 200,
      }).catch(async (error: unknown) => {
        const { finals } = await tally(check, jobs, sims);
        const counts: Record<string, number> = {};
        for (const job of finals) counts[job?.state ?? "gone"] = (counts[job?.state ?? "gone"] ?? 0) + 1;
        throw new Error(`not every job was delivered: ${JSON.stringify(counts)}`, { cause: error });
      });
      const { finals, duplicateRuns } = await tally(check, jobs, sims);
      expect(duplicateRuns).toBe(0);
      // Each job ran once: one successful execution per job's final prompt, and no other prompt ran.
      const successes = sims.flatMap((sim) =>
        sim.stats.executions.filter((execution) => execution.outcome === "success"),
      );
      const prompts = finals.map((job) => (job?.state === "delivered" ? job.run.promptId : ""));
      expect(new Set(prompts).size).toBe(jobs.length);
      expect(successes.map((execution) => execution.promptId).sort()).toEqual([...prompts].sort());
    } finally {
      await check.close();
    }
  }, 180_000);
});
