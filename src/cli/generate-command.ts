import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { pino, type Logger } from "pino";
import { buildCore, type Core } from "../app/build-core.js";
import { describeDecline } from "../presentation/describe-decline.js";
import { ConfigError } from "../config/config-error.js";
import { loadConfig } from "../config/load-config.js";
import type { CommandIo } from "./operator-command.js";
import { describeJobError } from "../presentation/user-messages.js";
import type { RunOutputFile } from "../queue/dispatcher.js";
import type { JobError } from "../queue/job-error.js";
import type { Job } from "../queue/job.js";
import { openStorage } from "../storage/open-storage.js";
import { generateUsage, parseGenerateArgs } from "./generate-options.js";
import { TerminalProgress, type ProgressSink } from "./terminal-progress.js";

export interface GenerateContext {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** `print`: the written file names (stdout); `printError`: failures. */
  io: CommandIo;
  /** The live status line (stderr). */
  progress: ProgressSink;
  /** Ctrl-C: the job is cancelled in ComfyUI before exiting. */
  signal?: AbortSignal;
  logger?: Logger;
  /** How long every ComfyUI host may be offline during the job before giving up. Default 15 s. */
  offlineGraceMs?: number;
}

/** The member id the terminal's jobs carry; never a Discord snowflake, so never a real member's. */
export const terminalUserId = "terminal";
const terminalLocation = { guildId: "terminal", channelId: "terminal" };

type Ending =
  | { kind: "succeeded"; job: Job; files: readonly RunOutputFile[] }
  | { kind: "failed"; text: string }
  | { kind: "aborted" };

/**
 * `npm run generate -- "a prompt"`: one job through the same core as the bot (generation service,
 * moderation, queue, ComfyUI client), with the store in memory: the terminal's job must not count
 * against anyone's limits, appear in the result index, or (worst) make this process recover and
 * run the bot's own queued jobs from DATA_DIR. Returns the exit code.
 */
export async function runGenerate(ctx: GenerateContext): Promise<number> {
  const { io } = ctx;
  let args;
  try {
    args = parseGenerateArgs(ctx.argv);
  } catch (error) {
    io.printError(`${(error as Error).message}\n${generateUsage}`);
    return 2;
  }
  if (args.help) {
    io.print(generateUsage);
    return 0;
  }
  let config;
  try {
    config = loadConfig({ env: ctx.env, cwd: ctx.cwd });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.printError(
      `${error.message}\nFix these in your config file or environment (.env), then run it again.`,
    );
    return 1;
  }
  const logger =
    ctx.logger ?? (args.verbose ? pino({ level: "debug" }, process.stderr) : pino({ level: "silent" }));
  const storage = await openStorage({ logger });
  const core = await buildCore({ config, storage, logger });
  const progress = new TerminalProgress(ctx.progress);
  const ending = watchJob(core, progress);
  try {
    for (const problem of core.workflowProblems) io.printError(`warning: ${problem}`);
    await core.start();
    // The backends' URLs carry no credentials, unlike COMFY_URL itself.
    const urls = core.pool.backends.map((backend) => backend.url);
    if (core.pool.backends.every((backend) => backend.objectInfo() === undefined)) {
      io.printError(`Generation failed: image server unreachable at ${urls.join(", ")}`);
      return 1;
    }
    const outcome = await core.generation.generate({
      userId: terminalUserId,
      location: terminalLocation,
      channelNsfw: args.nsfw,
      roleIds: [],
      request: args.request,
    });
    if (outcome.kind !== "accepted") {
      io.printError(`Refused: ${describeDecline(outcome, Date.now())}`);
      return 1;
    }
    const jobId = outcome.job.id;
    ending.watchHosts(ctx.offlineGraceMs ?? 15_000);
    const onAbort = (): void => ending.abort();
    ctx.signal?.addEventListener("abort", onAbort, { once: true });
    if (ctx.signal?.aborted) onAbort();
    const end = await ending.promise;
    ctx.signal?.removeEventListener("abort", onAbort);
    progress.finish();
    switch (end.kind) {
      case "aborted":
        await core.queue.cancel(jobId, { userId: terminalUserId });
        io.printError(`Cancelled job ${jobId}.`);
        return 130;
      case "failed":
        io.printError(`Generation failed: ${end.text}`);
        return 1;
      case "succeeded": {
        if (end.files.length === 0) {
          io.printError(`Generation failed: job ${jobId} finished without an image (no Save Image output?)`);
          return 1;
        }
        let written: string[];
        try {
          written = await writeOutputs(end.files, outputPaths(ctx.cwd, args.out, jobId, end.files));
        } catch (error) {
          io.printError(`Could not write the image: ${(error as Error).message}`);
          return 1;
        }
        for (const file of written) io.print(file);
        const seed = end.job.params.seed;
        const seedText = seed === undefined ? "" : `, seed ${seed}`;
        const images = `${written.length} image${written.length === 1 ? "" : "s"}`;
        ctx.progress.write(`done: ${images}, job ${jobId}${seedText}\n`);
        return 0;
      }
    }
  } finally {
    ending.stop();
    progress.finish();
    await core.close(0);
    await storage.close();
  }
}

interface JobWatch {
  promise: Promise<Ending>;
  /** From now on, every host offline for `graceMs` ends the job (the bot would wait; a terminal should not). */
  watchHosts: (graceMs: number) => void;
  abort: () => void;
  stop: () => void;
}

/** Resolves once the (only) job ends, or when every host has been gone for a while. */
function watchJob(core: Core, progress: TerminalProgress): JobWatch {
  let settle!: (ending: Ending) => void;
  const promise = new Promise<Ending>((resolve) => (settle = resolve));
  const unreachable = (): string =>
    `image server unreachable at ${core.pool.backends.map((backend) => backend.url).join(", ")}`;
  const unsubscribe = core.queue.subscribe((event) => {
    progress.update(event);
    if (event.type === "succeeded") settle({ kind: "succeeded", job: event.job, files: event.files });
    else if (event.type === "failed")
      settle({ kind: "failed", text: failureText(event.job, event.error, unreachable) });
    else if (event.type === "cancelled")
      settle({ kind: "failed", text: `job ${event.job.id} was cancelled` });
  });
  let timer: NodeJS.Timeout | undefined;
  let graceMs = 0;
  const allOffline = (): boolean => core.pool.backends.every((backend) => !backend.health.online);
  const onHealth = (): void => {
    if (!allOffline()) {
      clearTimeout(timer);
      timer = undefined;
    } else if (timer === undefined) {
      timer = setTimeout(() => {
        if (allOffline()) settle({ kind: "failed", text: unreachable() });
      }, graceMs);
    }
  };
  return {
    promise,
    watchHosts: (ms) => {
      graceMs = ms;
      for (const backend of core.pool.backends) backend.on("health", onHealth);
      onHealth();
    },
    abort: () => settle({ kind: "aborted" }),
    stop: () => {
      clearTimeout(timer);
      for (const backend of core.pool.backends) backend.off("health", onHealth);
      unsubscribe();
    },
  };
}

function failureText(job: Job, error: JobError, unreachable: () => string): string {
  if (error.code === "comfy_unreachable" || error.code === "comfy_lost")
    return `${unreachable()} (${error.message})`;
  // The Discord wording plus the technical reason: at the terminal, the reader is the operator.
  const text = describeJobError(error, { jobId: job.id, workflow: job.workflow });
  return `${text.replace(/ The bot's operator can find the details in the log\.$/, "")} (${error.code}: ${error.message})`;
}

/** `--out x.png` (or `./comfycord-<job>.png`); several images get `-1`, `-2` before the extension. */
export function outputPaths(
  cwd: string,
  out: string | undefined,
  jobId: string,
  files: readonly Pick<RunOutputFile, "filename">[],
): string[] {
  const first = files[0];
  const base = out ?? `comfycord-${jobId}${(first && path.extname(first.filename)) || ".png"}`;
  const resolved = path.resolve(cwd, base);
  if (files.length <= 1) return [resolved];
  const ext = path.extname(resolved);
  const stem = resolved.slice(0, resolved.length - ext.length);
  return files.map((_, index) => `${stem}-${index + 1}${ext}`);
}

async function writeOutputs(files: readonly RunOutputFile[], targets: readonly string[]): Promise<string[]> {
  for (const [index, file] of files.entries()) {
    const target = targets[index]!;
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.data);
  }
  return [...targets];
}
