import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeDiscord, type FakeDiscord } from "../fakes/discord/index.js";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const mainFile = path.join(repoRoot, "src", "main.ts");
// tsx's ESM loader, by path: vitest's module runner has no import.meta.resolve.
const tsxLoader = pathToFileURL(path.join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;

/** Runs the real entry point in a folder of its own (no .env, no config) and collects what it says. */
async function runMain(env: Record<string, string>, files: Record<string, string> = {}) {
  const cwd = mkdtempSync(path.join(tmpdir(), "comfycord-main-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(cwd, name), text);
  const child = spawn(process.execPath, ["--import", tsxLoader, mainFile], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: cwd, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { code, stdout, stderr };
}

describe("npm start's entry point", () => {
  it("explains where to get a token and exits 1 when DISCORD_TOKEN is missing", async () => {
    const result = await runMain({});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("comfycord needs a Discord bot token");
    expect(result.stderr).toContain("DISCORD_TOKEN=your-token-here");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("lists every config problem with its key and exits 1, without a stack trace", async () => {
    const result = await runMain(
      { DISCORD_TOKEN: "x", CONFIG_FILE: "bot.yaml", COMFY_URL: "ftp://gpu" },
      { "bot.yaml": "rateLimit:\n  windowSeconds: ten\nqueue: { maxSize: 0 }\nretension: {}\n" },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('COMFY_URL: expected an http(s) URL, got "ftp://gpu"');
    expect(result.stderr).toContain('rateLimit.windowSeconds: expected a positive integer, got "ten"');
    expect(result.stderr).toContain("queue.maxSize: expected a positive integer, got 0");
    expect(result.stderr).toContain('unknown key "retension" (did you mean "retention"?)');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("gives the line and column of invalid YAML", async () => {
    const result = await runMain(
      { DISCORD_TOKEN: "x", CONFIG_FILE: "bot.yaml" },
      { "bot.yaml": "queue: [1, 2\n" },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/bot\.yaml:\d+:\d+: invalid YAML/);
  });

  it("says which DATA_DIR cannot be used, and exits 1", async () => {
    const result = await runMain(
      { DISCORD_TOKEN: "x", DATA_DIR: "not-a-folder", COMFY_URL: "http://127.0.0.1:9" },
      { "not-a-folder": "a file, not a folder" },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/DATA_DIR ".*not-a-folder" is not a writable folder/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("says which STORE_URL cannot be reached, without its password, and exits 1", async () => {
    const result = await runMain({
      DISCORD_TOKEN: "x",
      COMFY_URL: "http://127.0.0.1:9",
      STORE_URL: "redis://:hunter2@127.0.0.1:9/1",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Redis at redis://127.0.0.1:9/1 (STORE_URL) cannot be reached");
    expect(result.stderr + result.stdout).not.toContain("hunter2");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("npm start's entry point when Discord or a port says no (issue 13 item 19)", () => {
  let discord: FakeDiscord | undefined;
  let holder: Server | undefined;
  afterEach(async () => {
    await discord?.close();
    discord = undefined;
    await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
    holder = undefined;
  });

  /** A TCP port with a listener on it, and one nothing listens on. */
  async function ports(): Promise<{ taken: number; free: number }> {
    holder = createServer();
    await new Promise<void>((resolve) => holder!.listen(0, "127.0.0.1", resolve));
    const spare = createServer();
    await new Promise<void>((resolve) => spare.listen(0, "127.0.0.1", resolve));
    const free = (spare.address() as AddressInfo).port;
    await new Promise<void>((resolve) => spare.close(() => resolve()));
    return { taken: (holder.address() as AddressInfo).port, free };
  }

  /** One line on stderr, no stack trace, exit status 1. */
  function expectOneLine(result: { code: number | null; stderr: string }): string {
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const lines = result.stderr.trim().split("\n");
    expect(lines, result.stderr).toHaveLength(1);
    return lines[0]!;
  }

  it("says a token Discord refuses (401) is wrong and where to get a new one", async () => {
    discord = await startFakeDiscord();
    const { free } = await ports();
    const result = await runMain({
      DISCORD_TOKEN: "not-the-bot-token",
      DISCORD_API_URL: discord.apiUrl,
      COMFY_URL: `http://127.0.0.1:${free}`,
    });
    const line = expectOneLine(result);
    expect(line).toMatch(/Discord refused the bot token/);
    expect(line).toContain("Reset Token");
    expect(line).not.toContain("not-the-bot-token");
  });

  it("says the same when the gateway closes with 4004 (authentication failed)", async () => {
    discord = await startFakeDiscord({ gatewayRejectsToken: true });
    const { free } = await ports();
    const result = await runMain({
      DISCORD_TOKEN: discord.botToken,
      DISCORD_API_URL: discord.apiUrl,
      COMFY_URL: `http://127.0.0.1:${free}`,
    });
    expect(expectOneLine(result)).toMatch(/Discord refused the bot token/);
  });

  it("says Discord cannot be reached, naming the address and what to check", async () => {
    const { free } = await ports();
    const result = await runMain({
      DISCORD_TOKEN: "x",
      DISCORD_API_URL: `http://127.0.0.1:${free}/api`,
      COMFY_URL: `http://127.0.0.1:${free}`,
    });
    const line = expectOneLine(result);
    expect(line).toContain(`Could not reach Discord at http://127.0.0.1:${free}/api`);
    expect(line).toMatch(/ECONNREFUSED/);
    expect(line).toMatch(/network/);
  });

  it("says Discord is failing when its API answers 5xx through the retries", async () => {
    discord = await startFakeDiscord();
    discord.injectError("GET /gateway/bot", { status: 502, count: 100 });
    const { free } = await ports();
    const result = await runMain({
      DISCORD_TOKEN: discord.botToken,
      DISCORD_API_URL: discord.apiUrl,
      COMFY_URL: `http://127.0.0.1:${free}`,
    });
    expect(expectOneLine(result)).toMatch(/^Discord answered 502 at .*start again in a few minutes\.$/);
  });

  it("says METRICS_PORT is taken and how to choose another, before connecting to Discord", async () => {
    const { taken, free } = await ports();
    const result = await runMain({
      DISCORD_TOKEN: "x",
      DISCORD_API_URL: `http://127.0.0.1:${free}/api`,
      COMFY_URL: `http://127.0.0.1:${free}`,
      METRICS_PORT: String(taken),
    });
    const line = expectOneLine(result);
    expect(line).toContain(`METRICS_PORT ${taken} is already in use`);
    expect(line).toMatch(/another METRICS_PORT/);
  });
});
