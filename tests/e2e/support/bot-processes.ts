import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { pino } from "pino";
import { expect } from "vitest";
import { startComfySimulator, type ComfySimulator } from "../../../src/simulator/comfy-simulator.js";
import { RedisStorage } from "../../../src/storage/redis/redis-storage.js";
import { writeBotYaml } from "../../cli/support/cli-fixtures.js";
import {
  guildOnShard,
  startFakeDiscord,
  type FakeDiscord,
  type GuildFixture,
} from "../../fakes/discord/index.js";
import { eventually } from "../../support/eventually.js";
import { startRedisServer, type RedisServer } from "../../support/redis-server.js";
import type { InteractionHandle } from "../../fakes/discord/index.js";
import { hasPng } from "./message-checks.js";
import type { Job } from "../../../src/queue/job.js";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
const mainFile = path.join(repoRoot, "src", "main.ts");
// By path: vitest's module runner has no import.meta.resolve.
const tsxLoader = pathToFileURL(path.join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;

/** One real bot process (src/main.ts) running one Discord shard. */
export interface BotProcess {
  shard: number;
  child: ChildProcess;
  log: () => string;
  exited: Promise<unknown>;
}

export function alive(bot: BotProcess): boolean {
  return bot.child.exitCode === null && bot.child.signalCode === null;
}

/**
 * Bot processes sharing one Redis, with the ComfyUI simulators and the fake Discord (one server
 * on each shard), all on loopback. Each process runs one shard of `shardCount`.
 */
export class BotProcesses {
  readonly bots: BotProcess[] = [];
  /** Reads the shared store: the lease, the jobs. */
  readonly store: RedisStorage;

  private constructor(
    readonly redis: RedisServer,
    readonly discord: FakeDiscord,
    readonly sims: ComfySimulator[],
    readonly guilds: GuildFixture[],
    readonly shardCount: number,
    readonly dir: string,
    store: RedisStorage,
  ) {
    this.store = store;
  }

  static async start(options: { shardCount: number; sims: number; stepMs: number }): Promise<BotProcesses> {
    const redis = await startRedisServer();
    let guilds: GuildFixture[] = [];
    const discord = await startFakeDiscord({
      maxConcurrency: 16,
      guilds: (world) =>
        (guilds = Array.from({ length: options.shardCount }, (_, shard) =>
          guildOnShard(world, { shard, count: options.shardCount, name: `server ${shard}` }),
        )),
    });
    const sims = await Promise.all(
      Array.from({ length: options.sims }, async () => startComfySimulator({ stepMs: options.stepMs })),
    );
    const dir = mkdtempSync(path.join(tmpdir(), "comfycord-scale-e2e-"));
    const store = await RedisStorage.open({ url: redis.url, logger: pino({ level: "silent" }) });
    return new BotProcesses(redis, discord, sims, guilds, options.shardCount, dir, store);
  }

  /** Starts a bot process running `shard`; resolves once it admits jobs. */
  async startBot(shard: number): Promise<BotProcess> {
    const home = mkdtempSync(path.join(this.dir, `bot-${shard}-`));
    const child = spawn(process.execPath, ["--import", tsxLoader, mainFile], {
      cwd: home,
      env: {
        PATH: process.env["PATH"] ?? "",
        HOME: home,
        DISCORD_TOKEN: this.discord.botToken,
        DISCORD_API_URL: this.discord.apiUrl,
        COMFY_URL: this.sims.map((sim) => sim.url).join(","),
        DATA_DIR: path.join(home, "data"),
        STORE_URL: this.redis.url,
        DISCORD_SHARD_IDS: String(shard),
        DISCORD_SHARD_COUNT: String(this.shardCount),
        // Jobs pile up while the lease moves: room for every job a member has in a test at once.
        CONFIG_FILE: writeBotYaml(
          home,
          [
            "discord: { editIntervalMs: 250, channelEditsPerSecond: 20 }",
            "rateLimit: { jobsPerWindow: 100, windowSeconds: 60, maxQueuedPerUser: 100 }",
          ].join("\n"),
        ),
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let log = "";
    child.stdout?.on("data", (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise((resolve) => child.once("exit", resolve));
    const bot: BotProcess = { shard, child, log: () => log, exited };
    this.bots.push(bot);
    await eventually(() => log.includes("shared queue started"), `bot ${shard} to start`, {
      timeoutMs: 60_000,
    });
    return bot;
  }

  /** SIGKILL, then a fresh process for the same shard. */
  async killAndRestart(bot: BotProcess): Promise<BotProcess> {
    bot.child.kill("SIGKILL");
    await bot.exited;
    return this.startBot(bot.shard);
  }

  /** The live process holding the conductor lease (its holder id is `host:pid:random`). */
  async liveConductor(): Promise<BotProcess | undefined> {
    const holder = (await this.store.lease("conductor").current())?.holder;
    const pid = Number(holder?.split(":")[1]);
    return this.bots.find((bot) => alive(bot) && bot.child.pid === pid);
  }

  /** The bots' warnings and lease changes: the only account of what went wrong in another process. */
  account(): string {
    const lines = this.bots.flatMap((bot) =>
      bot
        .log()
        .split("\n")
        .filter((line) => /"level":(40|50|60)|conduct|lease|shared queue/.test(line))
        .map((line) => `shard ${bot.shard} pid ${bot.child.pid}: ${line}`),
    );
    return lines.join("\n").slice(-12_000);
  }

  /** Every log line of every process that names one of these ids (a job's, a prompt's). */
  linesAbout(ids: readonly string[]): string {
    const lines = this.bots.flatMap((bot) =>
      bot
        .log()
        .split("\n")
        .filter((line) => ids.some((id) => line.includes(id)))
        .map((line) => `shard ${bot.shard} pid ${bot.child.pid}: ${line}`),
    );
    return lines.join("\n").slice(-8_000);
  }

  async close(): Promise<void> {
    for (const bot of this.bots.splice(0)) {
      if (alive(bot)) {
        bot.child.kill("SIGKILL");
        await bot.exited;
      }
    }
    await this.store.close();
    await Promise.all(this.sims.map(async (sim) => sim.close()));
    await this.discord.close();
    await this.redis.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Waits for every job's image on its own message; a missing one fails with the bots' account. */
export async function expectAllDelivered(running: BotProcesses, handles: InteractionHandle[]): Promise<void> {
  for (const [n, handle] of handles.entries()) {
    const result = await handle
      .waitForReply((message) => hasPng(message), 60_000)
      .catch(async (error: unknown) => {
        const now = await handle.reply(1000).catch(() => undefined);
        const openJobs = (await running.store.events.snapshot()).jobs.map(({ job }) => job);
        const open = await Promise.all(
          openJobs.map(async (job) => `${job.id} ${job.state}${await whereIsRun(running, job)}`),
        );
        throw new Error(
          `job ${n} not delivered (its message: ${JSON.stringify(now?.content)}; open jobs: ${open.join(", ")}); ` +
            `about them:\n${running.linesAbout(openJobs.flatMap((job) => [job.id, ...("run" in job && job.run ? [job.run.promptId] : [])]))}\n` +
            `the bots said:\n${running.account()}`,
          { cause: error },
        );
      });
    expect(result.content.startsWith("✅")).toBe(true);
  }
  // Each job ran once: as many successful prompts as jobs, all different.
  const successes = running.sims.flatMap((sim) =>
    sim.stats.executions.filter((execution) => execution.outcome === "success"),
  );
  expect(successes).toHaveLength(handles.length);
  expect(new Set(successes.map((execution) => execution.promptId)).size).toBe(handles.length);
}

/** Where a job's prompt is on the simulators, as ComfyUI's own /queue and /history say: for a failure's account. */
async function whereIsRun(running: BotProcesses, job: Job): Promise<string> {
  if (!("run" in job) || job.run === undefined) return "";
  const { promptId, backend } = job.run;
  const seen = await Promise.all(
    running.sims.map(async (sim, index) => {
      const queue = await (await fetch(`${sim.url}/queue`)).text();
      const history = (await (await fetch(`${sim.url}/history/${promptId}`)).json()) as Record<
        string,
        unknown
      >;
      const ran = sim.stats.executions.filter((execution) => execution.promptId === promptId).length;
      return `sim ${index}: queued ${queue.includes(promptId)}, in history ${promptId in history}, executions ${ran}`;
    }),
  );
  return ` (backend ${backend}, prompt ${promptId}: ${seen.join("; ")})`;
}
