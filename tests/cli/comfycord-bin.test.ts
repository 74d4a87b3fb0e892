import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startComfySimulator, type ComfySimulator } from "../../src/simulator/comfy-simulator.js";
import { tempProject, writeBotYaml } from "./support/cli-fixtures.js";

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, "../..");
const tsx = path.join(repoRoot, "node_modules", ".bin", "tsx");
const bin = path.join(repoRoot, "src", "cli", "comfycord.ts");

let sim: ComfySimulator;
let project: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  sim = await startComfySimulator({ stepMs: 2 });
  project = tempProject();
  env = {
    PATH: process.env["PATH"],
    HOME: project,
    COMFY_URL: sim.url,
    CONFIG_FILE: writeBotYaml(project),
    DATA_DIR: path.join(project, "data"),
  };
});

afterAll(async () => {
  await sim.close();
});

/** Runs the real `comfycord` entry in a child process; resolves with its exit code and output. */
async function comfycord(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(tsx, [bin, ...args], { cwd: project, env, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

describe("the comfycord command", () => {
  it("runs generate to the end, prints the file name and exits by itself with 0", async () => {
    const result = await comfycord([
      "generate",
      "a quiet harbour",
      "--workflow",
      "sd15",
      "--out",
      "harbour.png",
    ]);
    expect(result.stderr).toMatch(/done: 1 image/);
    expect(result.code).toBe(0);
    const file = path.join(project, "harbour.png");
    expect(result.stdout.trim()).toBe(file);
    expect(readFileSync(file).subarray(1, 4).toString()).toBe("PNG");
  });

  it("runs doctor and exits non-zero when a check fails (no token here)", async () => {
    const result = await comfycord(["doctor"]);
    expect(result.stdout).toMatch(/^✓ config valid/m);
    expect(result.stdout).toMatch(/^✗ DISCORD_TOKEN not set/m);
    expect(result.code).toBe(1);
  });

  it("answers an unknown command with the list of commands and exit code 2", async () => {
    const result = await comfycord(["frobnicate"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown command "frobnicate"');
    expect(result.stderr).toContain("doctor");
  });
});
