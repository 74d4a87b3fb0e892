import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startComfySimulator, type ComfySimulator } from "../../src/simulator/comfy-simulator.js";
import { RedisStorage } from "../../src/storage/redis/redis-storage.js";
import { writeBotYaml } from "../cli/support/cli-fixtures.js";
import {
  guildOnShard,
  startFakeDiscord,
  type FakeDiscord,
  type GuildFixture,
  type InteractionHandle,
} from "../fakes/discord/index.js";
import { eventually } from "../support/eventually.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { hasPng } from "./support/message-checks.js";

// Three real bot processes (src/main.ts), each running one Discord shard of three, on one Redis,
// the ComfyUI simulator and the fake Discord. The conductor is killed with SIGKILL in each round
// while jobs run; each job ends once, with its image on its own message.

const repoRoot = path.resolve(import.meta.dirname, "../..");
const mainFile = path.join(repoRoot, "src", "main.ts");
const tsxLoader = pathToFileURL(path.join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;
const shardCount = 3;

interface Bot {
  shard: number;
  child: ChildProcess;
  log: () => string;
  exited: Promise<unknown>;
}

let redis: RedisServer | undefined;
let discord: FakeDiscord | undefined;
let sim: ComfySimulator | undefined;
let dir: string | undefined;
const bots: Bot[] = [];

afterEach(async () => {
  for (const bot of bots.splice(0)) {
    if (alive(bot)) {
      bot.child.kill("SIGKILL");
      await bot.exited;
    }
  }
  await sim?.close();
  await discord?.close();
  await redis?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  redis = discord = sim = dir = undefined;
});

/** Starts the bot process running `shard`; resolves once it admits jobs. */
async function startBot(shard: number): Promise<Bot> {
  if (!discord || !sim || !redis || !dir) throw new Error("start the servers first");
  const home = mkdtempSync(path.join(dir, `bot-${shard}-`));
  const child = spawn(process.execPath, ["--import", tsxLoader, mainFile], {
    cwd: home,
    env: {
      PATH: process.env["PATH"] ?? "",
      HOME: home,
      DISCORD_TOKEN: discord.botToken,
      DISCORD_API_URL: discord.apiUrl,
      COMFY_URL: sim.url,
      DATA_DIR: path.join(home, "data"),
      STORE_URL: redis.url,
      DISCORD_SHARD_IDS: String(shard),
      DISCORD_SHARD_COUNT: String(shardCount),
      // Jobs pile up while the lease moves: room for all of a member's jobs of the test at once.
      CONFIG_FILE: writeBotYaml(
        home,
        [
          "discord: { editIntervalMs: 250, channelEditsPerSecond: 20 }",
          "rateLimit: { jobsPerWindow: 20, windowSeconds: 60, maxQueuedPerUser: 10 }",
        ].join("\n"),
      ),
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let log = "";
  child.stdout?.on("data", (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const bot: Bot = { shard, child, log: () => log, exited };
  bots.push(bot);
  await eventually(() => log.includes("shared queue started"), `bot ${shard} to start`, {
    timeoutMs: 60_000,
  });
  return bot;
}

function alive(bot: Bot): boolean {
  return bot.child.exitCode === null && bot.child.signalCode === null;
}

/** The bots' warnings and lease changes: the only account of what went wrong in another process. */
function account(): string {
  const lines = bots.flatMap((bot) =>
    bot
      .log()
      .split("\n")
      .filter((line) => /"level":(40|50|60)|conduct|lease|shared queue/.test(line))
      .map((line) => `shard ${bot.shard}: ${line}`),
  );
  return lines.join("\n").slice(0, 12_000);
}

/** The conductor's pid, from the lease's holder id (`host:pid:random`). */
async function conductorPid(store: RedisStorage): Promise<number | undefined> {
  const holder = (await store.lease("conductor").current())?.holder;
  const pid = holder?.split(":")[1];
  return pid === undefined ? undefined : Number(pid);
}

describe("three bot processes on one Redis", () => {
  it("deliver every job once while the conductor is SIGKILLed each round", async () => {
    redis = await startRedisServer();
    let guilds: GuildFixture[] = [];
    discord = await startFakeDiscord({
      maxConcurrency: 16,
      guilds: (world) =>
        (guilds = [0, 1, 2].map((shard) =>
          guildOnShard(world, { shard, count: shardCount, name: `server ${shard}` }),
        )),
    });
    sim = await startComfySimulator({ stepMs: 120 });
    dir = mkdtempSync(path.join(tmpdir(), "comfycord-scale-e2e-"));
    for (let shard = 0; shard < shardCount; shard++) await startBot(shard);
    const store = await RedisStorage.open({ url: redis.url, logger: pino({ level: "silent" }) });
    const fake = discord;
    const handles: InteractionHandle[] = [];
    const killed: number[] = [];
    try {
      for (let round = 0; round < 3; round++) {
        for (const [g, guild] of guilds.entries()) {
          // One job per member per round: a member may have only a few jobs waiting.
          const members = [fake.users.alice, fake.users.bob, fake.users.mod];
          handles.push(
            fake.invokeSlash({
              name: "generate",
              user: members[(round + g) % members.length]!,
              channelId: guild.channels[0]!.id,
              options: { prompt: `round ${round} in ${guild.name}`, workflow: "sd15" },
            }),
          );
        }
        // Kill the conductor once it runs a job. Until the lease moves, it may still name the
        // process killed last round: only a live holder counts.
        let victim: Bot | undefined;
        await eventually(
          async () => {
            const pid = await conductorPid(store);
            victim = bots.find((bot) => alive(bot) && bot.child.pid === pid);
            const { jobs } = await store.events.snapshot();
            return victim !== undefined && jobs.some(({ job }) => job.state === "running");
          },
          "a live conductor running a job",
          { timeoutMs: 30_000, intervalMs: 50 },
        ).catch((error: unknown) => {
          throw new Error(`no live conductor ran a job; the bots said:\n${account()}`, { cause: error });
        });
        const doomed = victim!;
        killed.push(doomed.child.pid!);
        doomed.child.kill("SIGKILL");
        await doomed.exited;
        await startBot(doomed.shard);
      }
      // Three different conductors died, and one live process runs each shard.
      expect(new Set(killed).size).toBe(3);
      expect(
        bots
          .filter(alive)
          .map((bot) => bot.shard)
          .sort(),
      ).toEqual([0, 1, 2]);
      for (const [n, handle] of handles.entries()) {
        const result = await handle
          .waitForReply((message) => hasPng(message), 60_000)
          .catch(async (error: unknown) => {
            const now = await handle.reply(1000).catch(() => undefined);
            const open = (await store.events.snapshot()).jobs.map(({ job }) => `${job.id} ${job.state}`);
            throw new Error(
              `job ${n} not delivered (its message: ${JSON.stringify(now?.content)}; open jobs: ${open.join(", ")}); the bots said:\n${account()}`,
              { cause: error },
            );
          });
        expect(result.content.startsWith("✅")).toBe(true);
      }
      const successes = sim.stats.executions.filter((execution) => execution.outcome === "success");
      expect(successes).toHaveLength(handles.length);
      expect(new Set(successes.map((execution) => execution.promptId)).size).toBe(handles.length);
    } finally {
      await store.close();
    }
  }, 240_000);
});
