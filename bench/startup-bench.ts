/**
 * Start-up figures: milliseconds from spawning a start command to the bot's "connected to Discord"
 * log line, against the fake Discord and one ComfyUI simulator. Run: `npm run bench -- startup`.
 *
 * - startup_ms_npm_start_fresh: `npm start` with no `dist/` (a fresh clone after `npm ci`).
 * - startup_ms_npm_start_current: `npm start` again, `dist/` already built from these sources.
 * - startup_ms_node_dist: `node dist/main.js`, the floor (what the Docker image runs).
 *
 * Each figure is the median of a few runs. The commands run in a scratch copy of the project
 * (sources, config, scripts, package.json, tsconfig files; `node_modules` linked), so the
 * developer's own `dist/` is never touched, and no `.env` of theirs is read.
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { startComfySimulator } from "../src/simulator/comfy-simulator.js";
import { startFakeDiscord } from "../tests/fakes/discord/index.js";

const repoRoot = path.resolve(import.meta.dirname, "..");
const copied = ["src", "config", "scripts", "package.json", "tsconfig.json", "tsconfig.build.json"];
const readyLine = '"msg":"connected to Discord"';
const timeoutMs = 120_000;

/** A copy of what `npm start` reads, with the real `node_modules` linked in. */
function scratchProject(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "comfycord-startup-"));
  for (const entry of copied) {
    const from = path.join(repoRoot, entry);
    if (existsSync(from)) cpSync(from, path.join(dir, entry), { recursive: true });
  }
  symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

/**
 * Spawns `command` in its own process group, resolves with the time to the ready line, then stops
 * the whole group (npm, its shell and the bot) with SIGTERM and waits for it to exit.
 */
async function timeToConnected(
  cwd: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const started = performance.now();
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let output = "";
  try {
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no "connected" line after ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(readyLine)) {
          clearTimeout(timer);
          resolve(performance.now() - started);
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`${command} ${args.join(" ")} exited with ${code} before connecting:\n${output}`));
      });
    });
  } finally {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
    await exited;
  }
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export async function runStartupBench(): Promise<Record<string, number>> {
  const discord = await startFakeDiscord();
  const sim = await startComfySimulator({ stepMs: 5 });
  const project = scratchProject();
  const dist = path.join(project, "dist");
  let runs = 0;
  const env = (): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DISCORD_TOKEN: discord.botToken,
      DISCORD_API_URL: discord.apiUrl,
      COMFY_URL: sim.url,
      DATA_DIR: path.join(project, `data-${runs++}`),
      LOG_LEVEL: "info",
    };
    delete env["CONFIG_FILE"];
    delete env["METRICS_PORT"];
    return env;
  };
  const times = async (count: number, before: () => void, command: string, args: string[]) => {
    const samples: number[] = [];
    for (let run = 0; run < count; run++) {
      before();
      samples.push(await timeToConnected(project, command, args, env()));
    }
    return Math.round(median(samples));
  };
  try {
    const nothing = () => {};
    return {
      startup_ms_npm_start_fresh: await times(
        2,
        () => rmSync(dist, { recursive: true, force: true }),
        "npm",
        ["start"],
      ),
      startup_ms_npm_start_current: await times(5, nothing, "npm", ["start"]),
      startup_ms_node_dist: await times(5, nothing, process.execPath, ["dist/main.js"]),
    };
  } finally {
    await sim.close();
    await discord.close();
    rmSync(project, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  for (const [name, value] of Object.entries(await runStartupBench())) console.log(`${name}: ${value}`);
}
