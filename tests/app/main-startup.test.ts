import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

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
