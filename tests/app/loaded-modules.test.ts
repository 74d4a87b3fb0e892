import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startComfySimulator, type ComfySimulator } from "../../src/simulator/comfy-simulator.js";
import { writeBotYaml } from "../cli/support/cli-fixtures.js";
import { hasPng } from "../e2e/support/message-checks.js";
import { startFakeDiscord, type FakeDiscord, type StoredMessage } from "../fakes/discord/index.js";
import { eventually } from "../support/eventually.js";

// The bot process (src/main.ts, the module graph dist/main.js has) against the fake Discord and a
// simulator, with a preload that lists every module it loads: sharp only when an image must be
// converted, and the simulator's PNG encoder (pngjs) never.

const repoRoot = path.resolve(import.meta.dirname, "../..");
const mainFile = path.join(repoRoot, "src", "main.ts");
// By path: vitest's module runner has no import.meta.resolve.
const tsxLoader = pathToFileURL(path.join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;
const recorder = pathToFileURL(path.join(import.meta.dirname, "support", "record-loaded-modules.ts")).href;

let discord: FakeDiscord | undefined;
let sim: ComfySimulator | undefined;
let bot: ChildProcess | undefined;
let dir: string | undefined;

afterEach(async () => {
  if (bot?.exitCode === null) {
    const exited = new Promise((resolve) => bot?.once("exit", resolve));
    bot.kill("SIGKILL");
    await exited;
  }
  await sim?.close();
  await discord?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  bot = sim = discord = dir = undefined;
});

/** Starts the bot, runs one /generate to its result, stops the bot; returns the result and the modules it loaded. */
async function generateOnce(
  attachmentSizeLimit?: number,
): Promise<{ result: StoredMessage; modules: string[] }> {
  discord = await startFakeDiscord(attachmentSizeLimit === undefined ? {} : { attachmentSizeLimit });
  sim = await startComfySimulator({ stepMs: 2 });
  dir = mkdtempSync(path.join(tmpdir(), "comfycord-modules-"));
  const list = path.join(dir, "modules.txt");
  const child = spawn(process.execPath, ["--import", tsxLoader, "--import", recorder, mainFile], {
    cwd: dir,
    env: {
      PATH: process.env["PATH"] ?? "",
      HOME: dir,
      DISCORD_TOKEN: discord.botToken,
      DISCORD_API_URL: discord.apiUrl,
      COMFY_URL: sim.url,
      DATA_DIR: path.join(dir, "data"),
      CONFIG_FILE: writeBotYaml(dir),
      LOG_LEVEL: "info",
      COMFYCORD_LOADED_MODULES: list,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  bot = child;
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  let log = "";
  child.stdout.on("data", (chunk: Buffer) => (log += chunk.toString()));
  // Commands registered and the queue taking jobs: before that, /generate is answered "restarting".
  await eventually(() => log.includes('"msg":"queue started"'), "the bot to start its queue", {
    timeoutMs: 30_000,
  });
  const handle = discord.invokeSlash({
    name: "generate",
    options: { prompt: "a small boat", workflow: "sd15" },
  });
  const result = await handle
    .waitForReply((message) => message.content.startsWith("✅"), 30_000)
    .catch((error: unknown) => {
      // The bot is another process: its warnings are the only account of what went wrong.
      const said = log.split("\n").filter((line) => /"level":(40|50|60)/.test(line));
      throw new Error(`no result; the bot said:\n${said.join("\n").slice(0, 4000)}`, { cause: error });
    });
  child.kill("SIGTERM");
  expect(await exited).toBe(0);
  return { result, modules: readFileSync(list, "utf8").split("\n") };
}

const fromPackage = (modules: string[], name: string) =>
  modules.filter((url) => url.includes(`/node_modules/${name}/`));

describe("what the bot loads", () => {
  it("sends a result that fits without loading sharp, and never loads pngjs", async () => {
    const { result, modules } = await generateOnce();
    expect(hasPng(result)).toBe(true);
    // The list is real: the bot's own modules and discord.js are in it.
    expect(modules).toContain(pathToFileURL(path.join(repoRoot, "src", "images", "fit-attachments.ts")).href);
    expect(fromPackage(modules, "discord.js").length).toBeGreaterThan(0);
    expect(fromPackage(modules, "sharp")).toEqual([]);
    expect(fromPackage(modules, "pngjs")).toEqual([]);
  }, 90_000);

  it("loads sharp once an image is over Discord's limit and must be converted", async () => {
    const { result, modules } = await generateOnce(2_000);
    expect(result.attachments.map((file) => path.extname(file.filename))).toEqual([".webp"]);
    expect(fromPackage(modules, "sharp").length).toBeGreaterThan(0);
    expect(fromPackage(modules, "pngjs")).toEqual([]);
  }, 90_000);
});
