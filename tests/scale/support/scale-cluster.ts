import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { BackendPool } from "../../../src/comfy/backend-pool.js";
import { ComfyDispatcher } from "../../../src/dispatch/comfy-dispatcher.js";
import type { AdmissionRequest } from "../../../src/queue/admission.js";
import type { Job } from "../../../src/queue/job.js";
import type { LeaseTiming } from "../../../src/scale/conductor-lease.js";
import { GuildShards } from "../../../src/scale/guild-shards.js";
import { ScaleNode } from "../../../src/scale/scale-node.js";
import type { ComfySimulator } from "../../../src/simulator/comfy-simulator.js";
import { RedisStorage } from "../../../src/storage/redis/redis-storage.js";
import { makeBackend } from "../../comfy/backend-fixture.js";
import { fakeTemplate } from "../../dispatch/support/comfy-stack.js";
import { generous } from "../../queue/support/harness.js";
import { eventually } from "../../support/eventually.js";

/** A server id on shard `shard` of `count`: Discord routes a server by `(id >> 22) % count`. */
export function guildOnShard(shard: number, count: number, n = 0): string {
  return String((BigInt(shard + count * n) << 22n) + 1n);
}

/** One bot process of the cluster: its Redis connection, its ComfyUI connections and its node. */
export interface ClusterProcess {
  readonly index: number;
  readonly storage: RedisStorage;
  readonly pool: BackendPool;
  readonly node: ScaleNode;
  alive: boolean;
}

export interface ScaleClusterOptions {
  redisUrl: string;
  keyPrefix: string;
  sims: readonly ComfySimulator[];
  /** Processes, each running one shard of as many. */
  processes: number;
  timing?: LeaseTiming;
  logger: Logger;
}

/**
 * Bot processes sharing one Redis and the simulators, in this test process: each with a Redis
 * connection and ComfyUI connections of its own, its node (the shared queue and the conductor
 * lease) and the part of the Discord layer that matters here, which posts the results of its
 * shard's jobs (`delivered`) as they come and again after a restart. `crash` cuts a process off
 * from Redis without a word (no lease release): for everyone else it is a process that died.
 */
export class ScaleCluster {
  readonly #o: ScaleClusterOptions;
  readonly processes: Array<ClusterProcess | undefined>;
  readonly #pending = new Set<Promise<unknown>>();

  constructor(options: ScaleClusterOptions) {
    this.#o = options;
    this.processes = Array.from({ length: options.processes }, () => undefined);
  }

  get redisUrl(): string {
    return this.#o.redisUrl;
  }

  async startAll(): Promise<void> {
    for (let index = 0; index < this.#o.processes; index++) await this.start(index);
  }

  /** Starts (or restarts) process `index`; resolves once it admits jobs. */
  async start(index: number): Promise<ClusterProcess> {
    const { logger } = this.#o;
    const storage = await RedisStorage.open({ url: this.#o.redisUrl, keyPrefix: this.#o.keyPrefix, logger });
    const backends = this.#o.sims.map((sim, n) =>
      makeBackend(sim, {
        id: `gpu-${n + 1}`,
        clientId: `cluster-${index}-${randomUUID()}`,
        logger,
        // Longer than the fixture's: a killed process's jobs are taken over while they run.
        timeouts: { startMs: 10_000, nodeInactivityMs: 10_000, overallMs: 30_000 },
        resyncIntervalMs: 200,
        reconnectBackoff: { initialMs: 20, maxMs: 100 },
      }),
    );
    const pool = new BackendPool({ backends, logger, breakerFailures: 5, breakerCooldownMs: 200 });
    await pool.start();
    const template = fakeTemplate();
    const dispatcher = new ComfyDispatcher({
      pool,
      templates: new Map([[template.name, template]]),
      logger,
      inputs: storage.inputs,
    });
    const node = new ScaleNode({
      storage,
      dispatcher,
      inFlight: () => Object.fromEntries(backends.map((backend) => [backend.id, backend.inFlight])),
      limits: { maxSize: 10_000, maxPerGuild: 10_000, maxRequeues: 3, shutdownGraceSeconds: 0 },
      shards: new GuildShards({ ids: [index], count: this.#o.processes }),
      logger,
      holder: `bot-${index}-${randomUUID().slice(0, 6)}`,
      ...(this.#o.timing ? { timing: this.#o.timing } : {}),
    });
    const process: ClusterProcess = { index, storage, pool, node, alive: true };
    node.queue.subscribe((event) => {
      if (event.type === "succeeded") this.#deliver(process, event.job);
    });
    await node.start();
    // What the Discord layer does at start: post the results that were made while it was away.
    for (const job of node.queue.undelivered()) this.#deliver(process, job);
    this.processes[index] = process;
    return process;
  }

  /** Process `index` dies: its Redis connection goes first, so it stores nothing more. */
  async crash(index: number): Promise<void> {
    const process = this.processes[index];
    if (!process) return;
    this.processes[index] = undefined;
    process.alive = false;
    await process.storage.close();
    // Only its timers and sockets are left; stopping them cannot reach Redis any more.
    await process.node.close();
    await process.pool.stop();
  }

  /** SIGTERM: hands the lease over at once. */
  async stop(index: number): Promise<void> {
    const process = this.processes[index];
    if (!process) return;
    this.processes[index] = undefined;
    process.alive = false;
    await process.node.close();
    await process.pool.stop();
    await process.storage.close();
  }

  async closeAll(): Promise<void> {
    for (let index = 0; index < this.processes.length; index++) await this.stop(index);
    await Promise.allSettled([...this.#pending]);
  }

  /** The process that currently conducts, if any. */
  conductor(): ClusterProcess | undefined {
    return this.processes.find((process) => process?.node.conductor.conducting);
  }

  /** A member's /generate in server `guildId`, admitted by the process running its shard. */
  async admit(via: ClusterProcess, userId: string, guildId: string, seed: number): Promise<Job> {
    const params = { prompt: `cat ${seed}`, seed, steps: 3, width: 64, height: 64 };
    const request: AdmissionRequest = {
      userId,
      guildId,
      channelId: `c-${guildId}`,
      workflow: "fake",
      request: params,
      params,
      limits: generous,
    };
    const decision = await via.node.queue.admit(request);
    if (decision.kind !== "accepted") throw new Error(`admission refused: ${decision.kind}`);
    return decision.job;
  }

  #deliver(process: ClusterProcess, job: Job): void {
    const delivery = (async () => {
      if (!process.alive) return;
      // A second delivery of the same job is refused by its state (delivered jobs take no more).
      await process.node.queue.delivered(job.id, [{ channelId: job.channelId, messageId: `m-${job.id}` }]);
    })().catch(() => {
      // A process that died meanwhile: its restart posts the result.
    });
    this.#pending.add(delivery);
    void delivery.finally(() => this.#pending.delete(delivery));
  }
}

export interface KillLoopOutcome {
  jobs: Job[];
  /** Rounds that killed the conductor while it had prompts in flight: what failover must reattach. */
  killedWithPrompts: number;
}

/**
 * Rounds of: `jobsPerRound` jobs admitted through random live processes, then a random process
 * crashes and starts again. A round ends once some process conducts (paced by what happens, not
 * by a clock). `random` returns [0, 1).
 */
export async function runKillLoop(
  cluster: ScaleCluster,
  options: { rounds: number; jobsPerRound: number; random: () => number; waitMs: number },
): Promise<KillLoopOutcome> {
  const count = cluster.processes.length;
  const jobs: Job[] = [];
  let killedWithPrompts = 0;
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < options.jobsPerRound; k++) {
      const live = cluster.processes.filter((process) => process !== undefined);
      const via = live[Math.floor(options.random() * live.length)]!;
      const n = jobs.length;
      jobs.push(await cluster.admit(via, `member-${n % 7}`, guildOnShard(via.index, count, n % 2), n));
    }
    const victim = Math.floor(options.random() * count);
    const doomed = cluster.processes[victim];
    const stats = doomed?.node.queue.stats();
    if (doomed?.node.conductor.conducting && stats && stats.staged + stats.running > 0) killedWithPrompts++;
    await cluster.crash(victim);
    await cluster.start(victim);
    await eventually(() => cluster.conductor() !== undefined, `a conductor after round ${round}`, {
      timeoutMs: options.waitMs,
      intervalMs: 10,
    });
  }
  return { jobs, killedWithPrompts };
}

/** A small deterministic PRNG: the same victims on every run. */
export function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** What the simulators ran of these jobs: prompts run more than once, and jobs not delivered. */
export async function tally(
  storage: RedisStorage,
  jobs: readonly Job[],
  sims: readonly ComfySimulator[],
): Promise<{ lost: number; duplicateRuns: number; finals: Array<Job | undefined> }> {
  const finals = await Promise.all(jobs.map(async (job) => (await storage.events.get(job.id))?.job));
  const successes = sims.flatMap((sim) =>
    sim.stats.executions.filter((execution) => execution.outcome === "success"),
  );
  const delivered = finals.filter((job) => job?.state === "delivered");
  const ran = new Set(successes.map((execution) => execution.promptId));
  // Every successful execution beyond one per job that ran is a job run twice.
  const jobsThatRan = finals.filter((job) => job && "run" in job && job.run && ran.has(job.run.promptId));
  return {
    lost: jobs.length - delivered.length,
    duplicateRuns: successes.length - jobsThatRan.length,
    finals,
  };
}
