import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { buildCore, type Core } from "../../../src/app/build-core.js";
import { loadConfig } from "../../../src/config/load-config.js";
import { startDiscordBot, type DiscordBot } from "../../../src/discord/discord-bot.js";
import { commandRegistry } from "../../../src/commands/registry.js";
import {
  startComfySimulator,
  type ComfySimulator,
  type SimulatorOptions,
} from "../../../src/simulator/comfy-simulator.js";
import { openStorage } from "../../../src/storage/open-storage.js";
import type { Storage } from "../../../src/storage/storage.js";
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions } from "../../fakes/discord/index.js";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
/** The shipped workflow files, for `extraWorkflows` entries. */
export const shippedWorkflowsDir = path.join(repoRoot, "config", "workflows");

/** A config file using the shipped workflows by absolute path, plus whatever a test adds. */
export function writeConfig(
  dir: string,
  extraYaml = "",
  discordYaml = "discord: { editIntervalMs: 250, channelEditsPerSecond: 20 }",
  extraWorkflows: readonly string[] = [],
  imageWorkflows: boolean | string = false,
): string {
  const file = path.join(dir, "bot.yaml");
  const workflows = shippedWorkflowsDir;
  const workflow = (name: string, rest: string) =>
    `  - { name: ${name}, file: ${JSON.stringify(path.join(workflows, `${name}.json`))}${rest} }`;
  writeFileSync(
    file,
    [
      "workflows:",
      workflow("sd15", ", description: SD 1.5, defaults: { steps: 8, width: 512, height: 512 }"),
      workflow("sdxl", ", description: SDXL, defaults: { steps: 8 }"),
      // The shipped image-to-image and model-free upscale graphs, wired as the result buttons' workflows.
      ...(imageWorkflows
        ? [
            workflow("sd15-img2img", ", description: SD 1.5 image to image, defaults: { steps: 6 }"),
            workflow("upscale-no-model", ", description: 2x upscale"),
            `actions: { img2img: sd15-img2img, upscale: upscale-no-model${typeof imageWorkflows === "string" ? `, ${imageWorkflows}` : ""} }`,
          ]
        : []),
      ...extraWorkflows.map((entry) => `  - ${entry}`),
      discordYaml,
      extraYaml,
    ].join("\n"),
  );
  return file;
}

export interface HarnessOptions {
  simulator?: SimulatorOptions;
  backends?: number;
  discord?: FakeDiscordOptions;
  extraYaml?: string;
  /** Replaces the fast test edit pacing (e.g. the production defaults in a benchmark). */
  discordYaml?: string;
  /** More `workflows:` entries after sd15 and sdxl, as YAML flow mappings. */
  extraWorkflows?: string[];
  /** Default "debug": every line is kept in `logs` (assert on state; logs are for what only a log shows). */
  logLevel?: "debug" | "info" | "warn";
  /** The bot reads time from the fake Discord's clock, so `await discord.clock.advance()` ages tokens for both. */
  fakeClock?: boolean;
  /** Reuse servers and data from an earlier harness (a bot restart). */
  reuse?: Pick<BotHarness, "discord" | "sims" | "dataDir"> & Partial<Pick<BotHarness, "storeUrl">>;
  /** `STORE_URL`: e.g. a test Redis's URL to keep the data there instead of the SQLite file. */
  storeUrl?: string;
  /** How long a write waits for a lock held elsewhere (the storage's default is 10 s). */
  busyTimeoutMs?: number;
  /**
   * Adds the shipped sd15-img2img and upscale-no-model workflows as `actions.img2img` and
   * `actions.upscale`; a string adds more `actions:` keys (`"maxInputBytes: 2000"`).
   */
  imageWorkflows?: boolean | string;
  /** Operator labels for the simulators, in order: `COMFY_URL=<label>=<url>,…` (none: the default labels). */
  comfyLabels?: string[];
}

export interface BotHarness {
  discord: FakeDiscord;
  sims: ComfySimulator[];
  dataDir: string;
  storeUrl: string | undefined;
  storage: Storage;
  core: Core;
  bot: DiscordBot;
  logs: Record<string, unknown>[];
  /** Ids of the jobs this bot admitted (of one member, if given), oldest first; read their state in `core.queue`. */
  jobIds: (userId?: string) => string[];
  /** Stops the bot and its store only (servers stay up for a restart). */
  stopBot(): Promise<void>;
  /** Stops everything. */
  close(): Promise<void>;
}

/** The real bot (discord.js, core, SQLite file) against the fake Discord and the ComfyUI simulator. */
export async function startBotHarness(options: HarnessOptions = {}): Promise<BotHarness> {
  const discord =
    options.reuse?.discord ?? (await startFakeDiscord({ heartbeatIntervalMs: 1000, ...options.discord }));
  const sims =
    options.reuse?.sims ??
    (await Promise.all(
      Array.from({ length: options.backends ?? 1 }, async () =>
        startComfySimulator({ stepMs: 5, ...options.simulator }),
      ),
    ));
  const dataDir = options.reuse?.dataDir ?? mkdtempSync(path.join(tmpdir(), "comfycord-e2e-"));
  const configFile = writeConfig(
    dataDir,
    options.extraYaml,
    options.discordYaml,
    options.extraWorkflows,
    options.imageWorkflows,
  );
  const storeUrl = options.reuse?.storeUrl ?? options.storeUrl;
  const config = loadConfig({
    cwd: repoRoot,
    env: {
      DISCORD_TOKEN: discord.botToken,
      DISCORD_API_URL: discord.apiUrl,
      COMFY_URL: sims
        .map((sim, index) => {
          const label = options.comfyLabels?.[index];
          return label === undefined ? sim.url : `${label}=${sim.url}`;
        })
        .join(","),
      DATA_DIR: dataDir,
      CONFIG_FILE: configFile,
      LOG_LEVEL: options.logLevel ?? "debug",
      ...(storeUrl === undefined ? {} : { STORE_URL: storeUrl }),
    },
  });
  const logs: Record<string, unknown>[] = [];
  const logger = pino(
    { level: options.logLevel ?? "debug" },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split("\n"))
          if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    }),
  );
  const storage = await openStorage({
    dataDir,
    store: config.env.STORE_URL,
    logger,
    ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
  });
  const now = options.fakeClock ? discord.clock.now : Date.now;
  const core = await buildCore({ config, storage, logger, now });
  const admitted: Array<{ id: string; userId: string }> = [];
  core.queue.subscribe((event) => {
    if (event.type === "queued") admitted.push({ id: event.job.id, userId: event.job.userId });
  });
  const bot = await startDiscordBot({
    config,
    token: discord.botToken,
    core,
    meta: storage.meta,
    logger,
    now,
    commands: commandRegistry,
  });
  let botStopped = false;
  const stopBot = async () => {
    if (botStopped) return;
    botStopped = true;
    await core.close(2000);
    await bot.close();
    await storage.close();
  };
  return {
    discord,
    sims,
    dataDir,
    storeUrl,
    storage,
    core,
    bot,
    logs,
    jobIds: (userId) =>
      admitted.filter((job) => userId === undefined || job.userId === userId).map((job) => job.id),
    stopBot,
    close: async () => {
      await stopBot();
      await Promise.all(sims.map(async (sim) => sim.close()));
      await discord.close();
    },
  };
}
