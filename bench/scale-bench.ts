/**
 * Bot processes sharing Redis (issue 16): three nodes, each with its own Redis and ComfyUI
 * connections and one Discord shard of three, on a real redis-server and two ComfyUI simulators.
 * The nodes run in this one Node process (a crash cuts a node off from Redis without releasing
 * its lease, which is what other processes see of a SIGKILL).
 *
 * - multi_process_admit_per_s: admissions per second, the three nodes admitting at once;
 * - failover_ms_p50/p99: from a conductor's crash until another node conducts, its prompts in
 *   flight reattached (default lease timing: 3 s TTL, 0.5 s retry);
 * - kill_loop_lost_jobs / kill_loop_duplicate_runs: 20 rounds killing a random node while 100
 *   jobs flow; jobs not delivered, and prompts the simulators ran beyond one per job.
 *
 * Run: `npm run bench -- scale`.
 */
import { pathToFileURL } from "node:url";
import { pino } from "pino";
import { RedisStorage } from "../src/storage/redis/redis-storage.js";
import { startSimulators } from "../tests/dispatch/support/comfy-stack.js";
import { RedisStorages } from "../tests/storage/support/redis-storages.js";
import { eventually } from "../tests/support/eventually.js";
import { startRedisServer } from "../tests/support/redis-server.js";
import {
  guildOnShard,
  prng,
  runKillLoop,
  ScaleCluster,
  tally,
} from "../tests/scale/support/scale-cluster.js";
import { percentile, round } from "./store-admission.js";

const logger = pino({ level: "silent" });
const processes = 3;
const admissionsPerNode = 400;
const failovers = 10;

export async function runScaleBench(): Promise<Record<string, number>> {
  const redis = await startRedisServer();
  try {
    const admit = await measure(redis.url, admitRate);
    const failover = await measure(redis.url, failoverTimes);
    const killLoop = await measure(redis.url, killLoopTally);
    return {
      multi_process_admit_per_s: round(admit),
      failover_ms_p50: Math.round(percentile(failover, 0.5)),
      failover_ms_p99: Math.round(percentile(failover, 0.99)),
      kill_loop_lost_jobs: killLoop.lost,
      kill_loop_duplicate_runs: killLoop.duplicateRuns,
    };
  } finally {
    await redis.stop();
  }
}

/** Runs `body` on a fresh cluster (own key prefix, own simulators), then closes it. */
async function measure<T>(
  redisUrl: string,
  body: (
    cluster: ScaleCluster,
    keyPrefix: string,
    sims: Awaited<ReturnType<typeof startSimulators>>,
  ) => Promise<T>,
): Promise<T> {
  const sims = await startSimulators(2, 40);
  const keyPrefix = RedisStorages.freshPrefix();
  const cluster = new ScaleCluster({ redisUrl, keyPrefix, sims, processes, logger });
  try {
    await cluster.startAll();
    await eventually(() => cluster.conductor() !== undefined, "a conductor", { timeoutMs: 10_000 });
    return await body(cluster, keyPrefix, sims);
  } finally {
    await cluster.closeAll();
    await Promise.all(sims.map(async (sim) => sim.close()));
  }
}

async function admitRate(cluster: ScaleCluster): Promise<number> {
  const started = performance.now();
  await Promise.all(
    cluster.processes.map(async (process) => {
      if (!process) return;
      for (let n = 0; n < admissionsPerNode; n++) {
        const guild = guildOnShard(process.index, processes, n % 3);
        await cluster.admit(process, `member-${process.index}-${n % 50}`, guild, n);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return (admissionsPerNode * processes) / seconds;
}

async function failoverTimes(cluster: ScaleCluster): Promise<number[]> {
  const samples: number[] = [];
  for (let round = 0; round < failovers; round++) {
    const conductor = cluster.conductor();
    if (!conductor) throw new Error("nobody conducts");
    // A prompt in flight, so the next conductor has something to reattach.
    const via = cluster.processes.find((process) => process && process !== conductor) ?? conductor;
    await cluster.admit(via, `member-${round}`, guildOnShard(via.index, processes), round);
    const started = performance.now();
    const crashing = cluster.crash(conductor.index);
    await eventually(() => cluster.conductor() !== undefined, "the next conductor", {
      timeoutMs: 20_000,
      intervalMs: 5,
    });
    samples.push(performance.now() - started);
    await crashing;
    await cluster.start(conductor.index);
  }
  return samples;
}

async function killLoopTally(
  cluster: ScaleCluster,
  keyPrefix: string,
  sims: Awaited<ReturnType<typeof startSimulators>>,
): Promise<{ lost: number; duplicateRuns: number }> {
  const { jobs } = await runKillLoop(cluster, {
    rounds: 20,
    jobsPerRound: 5,
    random: prng(16),
    waitMs: 20_000,
  });
  const check = await RedisStorage.open({ url: cluster.redisUrl, keyPrefix, logger });
  try {
    // Lost means not delivered within a minute of the last round.
    await eventually(async () => (await tally(check, jobs, sims)).lost === 0, "every job delivered", {
      timeoutMs: 60_000,
      intervalMs: 200,
    }).catch(() => undefined);
    const { lost, duplicateRuns } = await tally(check, jobs, sims);
    return { lost, duplicateRuns };
  } finally {
    await check.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [name, value] of Object.entries(await runScaleBench())) console.log(`${name}: ${value}`);
}
