import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runGenerate } from "../../src/cli/generate-command.js";
import { startComfySimulator, type ComfySimulator } from "../../src/simulator/comfy-simulator.js";
import { collect, tempProject, writeBotYaml } from "./support/cli-fixtures.js";

let sim: ComfySimulator;
let project: string;
let configFile: string;

beforeAll(async () => {
  sim = await startComfySimulator({ stepMs: 2 });
  project = tempProject();
  configFile = writeBotYaml(project, "settings: { bannedTerms: [forbidden] }");
});

afterAll(async () => {
  await sim.close();
});

/** No DISCORD_TOKEN on purpose: the terminal path must not need Discord. DATA_DIR is never created. */
function env(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { COMFY_URL: sim.url, CONFIG_FILE: configFile, DATA_DIR: path.join(project, "data"), ...overrides };
}

async function generate(
  argv: string[],
  options: { env?: NodeJS.ProcessEnv; tty?: boolean; offlineGraceMs?: number } = {},
) {
  const out = collect();
  let progress = "";
  const code = await runGenerate({
    argv,
    env: options.env ?? env(),
    cwd: project,
    io: out.io,
    progress: { isTTY: options.tty ?? false, columns: 120, write: (text) => (progress += text) },
    ...(options.offlineGraceMs === undefined ? {} : { offlineGraceMs: options.offlineGraceMs }),
  });
  return { code, written: out.lines, errors: out.errors, progress };
}

/** What ComfyUI saved for the most recent prompts, from its own `/history`. */
async function savedImages(): Promise<Array<{ filename: string; subfolder: string }>> {
  const history = (await (await fetch(`${sim.url}/history`)).json()) as Record<
    string,
    { outputs: Record<string, { images?: Array<{ filename: string; subfolder: string }> }> }
  >;
  const last = Object.values(history).at(-1)!;
  return Object.values(last.outputs).flatMap((output) => output.images ?? []);
}

describe("npm run generate", () => {
  it("writes the PNG ComfyUI saved, byte for byte, to --out and prints its path", async () => {
    const { code, written, errors, progress } = await generate([
      "a lighthouse at dusk",
      "--workflow",
      "sd15",
      "--seed",
      "42",
      "--steps",
      "5",
      "--out",
      "out/lighthouse.png",
    ]);
    expect(errors).toEqual([]);
    expect(code).toBe(0);
    const file = path.join(project, "out", "lighthouse.png");
    expect(written).toEqual([file]);
    const [saved] = await savedImages();
    const served = sim.viewBytes(saved!.filename, saved!.subfolder);
    expect(served).toBeDefined();
    expect(Buffer.compare(readFileSync(file), served!)).toBe(0);
    expect(progress).toMatch(/step 5\/5 · 100%/);
    expect(progress).toMatch(/done: 1 image, job [0-9a-f-]+, seed 42/);
    // The terminal job lives in memory: the bot's data folder is never touched.
    expect(existsSync(path.join(project, "data"))).toBe(false);
  });

  it("names several images -1, -2 after the default comfycord-<job id>.png", async () => {
    const { code, written } = await generate(["two boats", "--workflow", "sd15", "--count", "2"]);
    expect(code).toBe(0);
    expect(written).toHaveLength(2);
    expect(path.basename(written[0]!)).toMatch(/^comfycord-[0-9a-f-]{36}-1\.png$/);
    expect(written[1]).toBe(written[0]!.replace(/-1\.png$/, "-2.png"));
    const saved = await savedImages();
    expect(saved).toHaveLength(2);
    for (const [index, image] of saved.entries()) {
      expect(
        Buffer.compare(readFileSync(written[index]!), sim.viewBytes(image.filename, image.subfolder)!),
      ).toBe(0);
    }
  });

  it("redraws one status line in place on a terminal", async () => {
    const { code, progress } = await generate(
      ["a red kite", "--workflow", "sd15", "--steps", "4", "--out", "kite.png"],
      {
        tty: true,
      },
    );
    expect(code).toBe(0);
    expect(progress).toContain("\r\u001b[2Kstep 4/4 · 100% ▰▰▰▰▰▰▰▰▰▰ · KSampler");
    expect(progress).not.toMatch(/step \d+\/\d+[^\r]*\n/);
  });

  it("fails with the server's address when ComfyUI is down", async () => {
    const down = await startComfySimulator();
    const url = down.url;
    await down.close();
    const { code, written, errors } = await generate(["a prompt", "--out", "never.png"], {
      env: env({ COMFY_URL: url }),
    });
    expect(code).toBe(1);
    expect(written).toEqual([]);
    expect(errors).toEqual([`Generation failed: image server unreachable at ${url}`]);
    expect(existsSync(path.join(project, "never.png"))).toBe(false);
  });

  it("fails instead of waiting forever when ComfyUI dies during the job", async () => {
    const dying = await startComfySimulator({ stepMs: 40 });
    dying.on("execution_start", () => void dying.crash());
    try {
      const started = Date.now();
      const { code, errors } = await generate(["a prompt", "--steps", "20", "--out", "lost.png"], {
        env: env({ COMFY_URL: dying.url }),
        offlineGraceMs: 300,
      });
      expect(code).toBe(1);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(new RegExp(`^Generation failed: image server unreachable at ${dying.url}`));
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await dying.close();
    }
  });

  it("applies the configured moderation rules and explains the refusal", async () => {
    const { code, errors } = await generate(["something forbidden", "--out", "refused.png"]);
    expect(code).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^Refused: /);
    expect(errors[0]).not.toContain("forbidden");
  });

  it("refuses a workflow that does not exist, naming it", async () => {
    const { code, errors } = await generate(["a prompt", "--workflow", "nope"]);
    expect(code).toBe(1);
    expect(errors).toEqual(['Refused: There is no workflow called "nope".']);
  });

  it("explains its usage when the prompt or an option is wrong", async () => {
    const missing = await generate([]);
    expect(missing.code).toBe(2);
    expect(missing.errors[0]).toMatch(/^a prompt is required\nUsage: npm run generate/);
    const badSteps = await generate(["a prompt", "--steps", "many"]);
    expect(badSteps.code).toBe(2);
    expect(badSteps.errors[0]).toMatch(/^--steps expects a whole number from 1 to 500, got "many"/);
  });
});
