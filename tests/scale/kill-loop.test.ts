import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Job } from "../../src/queue/job.js";
import type { LeaseTiming } from "../../src/scale/conductor-lease.js";
import type { ComfySimulator } from "../../src/simulator/comfy-simulator.js";
import { RedisStorage } from "../../src/storage/redis/redis-storage.js";
import { startSimulators } from "../dispatch/support/comfy-stack.js";
import { silent } from "../queue/support/harness.js";
import { RedisStorages } from "../storage/support/redis-storages.js";
import { eventually } from "../support/eventually.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { guildOnShard, ScaleCluster } from "./support/scale-cluster.js";

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

/** A small deterministic PRNG: the same victims on every run. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe("bot processes sharing Redis while processes die", () => {
  it("end every job exactly once, delivered, through 20 rounds of a random process being killed", async () => {
    // Slow enough steps that prompts are in flight when a conductor dies.
    sims = await startSimulators(2, 40);
    const keyPrefix = RedisStorages.freshPrefix();
    const processes = 3;
    cluster = new ScaleCluster({ redisUrl: redis.url, keyPrefix, sims, processes, timing, logger: silent });
    const running = cluster;
    await running.startAll();
    const random = prng(16);
    const jobs: Job[] = [];
    // Conductors killed with prompts in flight: those are what failover must reattach.
    let killedWithPrompts = 0;
    for (let round = 0; round < 20; round++) {
      for (let k = 0; k < 5; k++) {
        const live = running.processes.filter((process) => process !== undefined);
        const via = live[Math.floor(random() * live.length)]!;
        const n = jobs.length;
        jobs.push(await running.admit(via, `member-${n % 7}`, guildOnShard(via.index, processes, n % 2), n));
      }
      const victim = Math.floor(random() * processes);
      const doomed = running.processes[victim];
      const inFlight = doomed ? doomed.node.queue.stats().staged + doomed.node.queue.stats().running : 0;
      if (doomed?.node.conductor.conducting && inFlight > 0) killedWithPrompts++;
      await running.crash(victim);
      await running.start(victim);
      // Paced by what happens, not by a clock: the round ends once someone conducts again.
      await eventually(() => running.conductor() !== undefined, `a conductor after round ${round}`, {
        timeoutMs: 10_000,
      });
    }
    // Some rounds must have killed a busy conductor, or failover was not tested.
    expect(killedWithPrompts).toBeGreaterThan(2);

    const check = await RedisStorage.open({ url: redis.url, keyPrefix, logger: silent });
    try {
      const states = async () => Promise.all(jobs.map(async (job) => (await check.events.get(job.id))?.job));
      await eventually(
        async () => (await states()).every((job) => job?.state === "delivered"),
        "every job delivered",
        { timeoutMs: 60_000, intervalMs: 200 },
      ).catch(async (error: unknown) => {
        const counts = new Map<string, number>();
        for (const job of await states())
          counts.set(job?.state ?? "gone", (counts.get(job?.state ?? "gone") ?? 0) + 1);
        throw new Error(`not every job was delivered: ${JSON.stringify(Object.fromEntries(counts))}`, {
          cause: error,
        });
      });
      const finals = await states();
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
