import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { startBotHarness, writeConfig, type BotHarness } from "./support/bot-harness.js";
import { hasPng, pngOf, reactedBy } from "./support/message-checks.js";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const originalRoute = "PATCH /webhooks/:applicationId/:token/messages/@original";
const channelRoute = "PATCH /channels/:channelId/messages/:messageId";
const postRoute = "POST /channels/:channelId/messages";
const pacing = "editIntervalMs: 250, channelEditsPerSecond: 20";

const harnesses: BotHarness[] = [];
let child: ChildProcess | undefined;
afterEach(async () => {
  child?.kill("SIGKILL");
  child = undefined;
  // Newest first: a restarted bot reuses the first harness's servers, which close last.
  for (const harness of harnesses.reverse()) await harness.close();
  harnesses.length = 0;
});

async function start(options: Parameters<typeof startBotHarness>[0]): Promise<BotHarness> {
  const harness = await startBotHarness(options);
  harnesses.push(harness);
  return harness;
}

/** Every route the bot can show a result through fails with 503 for `ms`. */
function outage(harness: BotHarness, ms: number): void {
  for (const route of [originalRoute, channelRoute, postRoute])
    harness.discord.injectError(route, { status: 503, forMs: ms, body: { message: "Service Unavailable" } });
}

describe("a finished image reaches Discord", () => {
  it("is retried through a Discord outage and lands once Discord is back", async () => {
    const harness = await start({ simulator: { stepMs: 60 } });
    const { discord, core, jobIds } = harness;
    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "an outage", workflow: "sd15" },
    });
    await handle.waitForReply((message) => /step \d+\/\d+/.test(message.content), 10_000);
    outage(harness, 2500);

    const done = await handle.waitForReply(hasPng, 20_000);
    const failed = discord.requests.filter((request) => request.status === 503);
    expect(failed.length).toBeGreaterThan(0);
    const [jobId] = jobIds();
    await eventually(
      async () => expect((await core.queue.load(jobId!))?.state).toBe("delivered"),
      "delivered",
    );
    expect(harness.logs.some((line) => line.msg === "posting the result failed; retrying")).toBe(true);
    // Posted once, on the job's own message.
    expect(discord.messages.all.filter((message) => hasPng(message))).toHaveLength(1);
    expect(pngOf(done)).toBeDefined();
    await eventually(
      async () => (await core.queue.outputsOf(jobId!)) === undefined,
      "the kept files to be removed once posted",
    );
  });

  it("waits for the next start when Discord stays down past discord.deliveryRetrySeconds, then posts it", async () => {
    const first = await start({
      simulator: { stepMs: 60 },
      discordYaml: `discord: { ${pacing}, deliveryRetrySeconds: 1 }`,
    });
    const { discord } = first;
    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a long outage", workflow: "sd15" },
    });
    const reply = await handle.waitForReply((message) => /step \d+\/\d+/.test(message.content), 10_000);
    const outageMs = 6000;
    const outageEnds = Date.now() + outageMs;
    outage(first, outageMs);
    const [jobId] = first.jobIds();
    await eventually(
      () => first.logs.some((line) => String(line.msg).startsWith("result not posted yet")),
      "the delivery to be postponed",
      { timeoutMs: 15_000 },
    );
    // Not lost, not failed: succeeded with its files kept, and no longer held in memory.
    const waiting = await first.core.queue.load(jobId!);
    expect(waiting?.state).toBe("succeeded");
    expect((await first.core.queue.outputsOf(jobId!))?.length).toBeGreaterThan(0);
    // Forgotten right after the delivery gives up, which logs just before.
    await eventually(() => first.bot.services.jobMessages.trackedCount === 0, "the job to leave memory");
    await first.stopBot();

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, outageEnds - Date.now())));
    const second = await start({ reuse: first });
    const done = await discord.waitForMessage(
      (message) => message.id === reply.id && hasPng(message),
      15_000,
    );
    expect(pngOf(done)).toBeDefined();
    await eventually(
      async () => (await second.core.queue.load(jobId!))?.state === "delivered",
      "the job to be delivered",
    );
    await eventually(
      async () => (await second.core.queue.outputsOf(jobId!)) === undefined,
      "the kept files to be removed once posted",
    );
    expect(await second.bot.services.results.get(reply.id)).toMatchObject({ jobId });
  });

  it("is posted as a new message when its message was deleted while it ran", async () => {
    const harness = await start({ simulator: { stepMs: 80 } });
    const { discord, core, bot, jobIds } = harness;
    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a deleted reply", workflow: "sd15" },
    });
    const reply = await handle.waitForReply((message) => /step \d+\/\d+/.test(message.content), 10_000);
    discord.deleteMessage(reply.id);

    const fresh = await discord.waitForMessage(
      (message) => message.channelId === reply.channelId && message.id !== reply.id && hasPng(message),
      15_000,
    );
    const [jobId] = jobIds();
    await eventually(async () => {
      const job = await core.queue.load(jobId!);
      expect(job?.state).toBe("delivered");
      expect(job?.messages.map((message) => message.messageId)).toEqual([fresh.id]);
    }, "the job delivered on the new message");
    // 🎲 works on the new message, and nothing about the job stays in memory.
    expect(await bot.services.results.get(fresh.id)).toMatchObject({ jobId });
    expect(await bot.services.results.get(reply.id)).toBeUndefined();
    await discord.waitForMessage(
      (message) => message.id === fresh.id && reactedBy(message, "🎲", discord.botUser.id),
    );
    expect(bot.services.jobMessages.trackedCount).toBe(0);
  });

  it("says on its message why it is not shown when Discord refuses it, and fails the job as undelivered", async () => {
    const harness = await start({ simulator: { stepMs: 60 } });
    const { discord, core, jobIds } = harness;
    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a huge map", workflow: "sd15" },
    });
    const reply = await handle.waitForReply((message) => /step \d+\/\d+/.test(message.content), 10_000);
    // The edit carrying the image is refused as Discord refuses an upload over its limit.
    const withImage = (request: { method: string; route: string; fileNames?: string[] }) =>
      `${request.method} ${request.route}` === originalRoute &&
      (request.fileNames ?? []).some((name) => name.endsWith(".png"));
    discord.injectError(withImage, {
      status: 413,
      count: 1,
      body: { code: 40005, message: "Request entity too large" },
    });
    const told = await discord.waitForMessage(
      (message) => message.id === reply.id && message.content.includes("could not be posted"),
      15_000,
    );
    expect(told.content).toContain("larger than this server lets the bot upload");
    expect(told.attachments).toEqual([]);
    const [jobId] = jobIds();
    await eventually(async () => {
      const job = await core.queue.load(jobId!);
      expect(job?.state === "failed" && job.error.code).toBe("undelivered");
    }, "the job failed as undelivered");
    expect(await core.results.get(reply.id)).toBeUndefined();
  });

  it("survives the bot being killed between the image and the edit: the next start posts it", async () => {
    // A first bot, only for its servers and data folder; the bot under test is a child process.
    const servers = await start({ simulator: { stepMs: 150 } });
    await servers.stopBot();
    const { discord, sims, dataDir } = servers;
    const configFile = writeConfig(dataDir);
    const tsxLoader = pathToFileURL(path.join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;
    child = spawn(process.execPath, ["--import", tsxLoader, path.join(repoRoot, "src", "main.ts")], {
      cwd: dataDir,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: dataDir,
        DISCORD_TOKEN: discord.botToken,
        DISCORD_API_URL: discord.apiUrl,
        COMFY_URL: sims.map((sim) => sim.url).join(","),
        DATA_DIR: dataDir,
        CONFIG_FILE: configFile,
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let said = "";
    child.stdout!.on("data", (chunk: Buffer) => (said += chunk.toString()));
    await eventually(() => said.includes('"queue started"'), "the bot to start", {
      timeoutMs: 30_000,
    });

    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a crash", workflow: "sd15" },
    });
    const reply = await handle.waitForReply((message) => /step \d+\/\d+/.test(message.content), 20_000);
    // The next edit of the reply is held back a minute: the result is on disk, not yet on Discord.
    discord.inject429(originalRoute, { retryAfterSec: 60, count: 1 });
    const outputs = path.join(dataDir, "outputs");
    await eventually(
      () => {
        const kept = existsSync(outputs) ? readdirSync(outputs) : [];
        return kept.some((entry) => existsSync(path.join(outputs, entry, "manifest.json")));
      },
      "the result's files on disk",
      { timeoutMs: 20_000 },
    );
    child.kill("SIGKILL");
    await new Promise((resolve) => child!.once("exit", resolve));
    child = undefined;
    expect(discord.messages.get(reply.id) && hasPng(discord.messages.get(reply.id)!)).toBe(false);

    const restarted = await start({ reuse: { discord, sims, dataDir } });
    const done = await discord.waitForMessage(
      (message) => message.id === reply.id && hasPng(message),
      15_000,
    );
    expect(pngOf(done)).toBeDefined();
    await eventually(
      async () => (await restarted.storage.jobs.loadOpen()).jobs.length === 0,
      "no open job left",
    );
    await eventually(
      () => readdirSync(outputs).filter((entry) => !entry.startsWith(".")).length === 0,
      "the kept files to be removed once posted",
    );
  }, 60_000);
});
