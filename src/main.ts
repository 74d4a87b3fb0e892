/**
 * Composition root: the only module with side effects at start. It reads the configuration,
 * builds the logger, the storage and the core, connects to Discord and handles shutdown.
 */
import path from "node:path";
import type { Logger } from "pino";
import { buildCore, type Core } from "./app/build-core.js";
import { exitOnStartupError } from "./app/exit-on-startup-error.js";
import { missingTokenHelp } from "./app/startup-messages.js";
import { withEnvFile } from "./config/env-file.js";
import { loadConfig, type AppConfig } from "./config/load-config.js";
import { startDiscordBot, type DiscordBot } from "./discord/discord-bot.js";
import { commandRegistry } from "./commands/registry.js";
import { createLogger } from "./log/logger.js";
import { startHealthServer, type HealthServer } from "./ops/health-server.js";
import { BotMetrics } from "./ops/metrics.js";
import { watchQueueMetrics } from "./ops/queue-metrics.js";
import { RetentionPruner } from "./history/retention-pruner.js";
import { openStorage } from "./storage/open-storage.js";
import type { Storage } from "./storage/storage.js";

async function main(): Promise<void> {
  const cwd = process.cwd();
  const env = withEnvFile(process.env, path.join(cwd, ".env"));
  const config = loadConfig({ env, cwd });
  const token = config.env.DISCORD_TOKEN;
  if (!token) {
    process.stderr.write(missingTokenHelp);
    process.exitCode = 1;
    return;
  }
  const logger = createLogger({ level: config.env.LOG_LEVEL, pretty: process.argv.includes("--pretty") });
  if (config.usedExample) {
    logger.info("config/bot.yaml not found: using config/bot.example.yaml (copy it to customise)");
  }
  // What a failed start must let go of (in reverse), so the process can end with its one line.
  const opened: Array<{ what: string; close: () => Promise<void> }> = [];
  try {
    // On SQLite, claims DATA_DIR for this process: a second bot on the same folder stops here with
    // one line naming this one's pid (`DataDirLockedError`, printed by describeStartupError).
    // STORE_URL=redis://… puts the data on Redis instead (its URL is logged without credentials).
    const storage = await openStorage({
      dataDir: config.env.DATA_DIR,
      store: config.env.STORE_URL,
      logger: logger.child({ module: "storage" }),
    });
    opened.push({ what: "storage", close: () => storage.close() });
    logger.info({ store: storage.location }, "storage open");

    const metrics = new BotMetrics();
    const core = await buildCore({
      config,
      storage,
      logger,
      onDecline: (outcome) => metrics.recordJob(outcome),
    });

    // Before Discord: a taken METRICS_PORT stops the start before anything connects or runs.
    // Health asks Discord's state before the bot exists: not ready until it is.
    let discordReady = (): boolean => false;
    let health: HealthServer | undefined;
    if (config.env.METRICS_PORT !== undefined) {
      health = await startHealthServer({
        port: config.env.METRICS_PORT,
        host: config.file.metrics.host,
        metrics,
        logger: logger.child({ module: "health" }),
        checks: async () => ({
          discord: discordReady(),
          backends: core.pool.backends.map((backend) => ({ id: backend.id, up: backend.health.online })),
          store: await storage.ping(),
          lease: await core.scale?.leaseHealth(),
        }),
      });
      const listening = health;
      opened.push({ what: "health server", close: () => listening.close() });
      logger.info({ url: health.url }, "health and metrics listening");
    }

    const stopQueueMetrics = watchQueueMetrics(core, metrics, logger.child({ module: "jobs" }));
    const bot = await startDiscordBot({
      config,
      token,
      core,
      meta: storage.meta,
      logger,
      metrics,
      commands: commandRegistry,
    });
    discordReady = () => bot.isReady();
    const pruner = new RetentionPruner({
      storage,
      retentionDays: config.file.retention.days,
      logger: logger.child({ module: "retention" }),
    });
    pruner.start();
    handleShutdown({ config, logger, pruner, stopQueueMetrics, core, bot, health, storage });
  } catch (error) {
    for (const { what, close } of opened.reverse()) {
      try {
        await close();
      } catch (closeError) {
        // The start already failed; this only says what may still be open.
        logger.warn({ err: closeError }, `could not close the ${what} after a failed start`);
      }
    }
    throw error;
  }
}

interface Running {
  config: AppConfig;
  logger: Logger;
  pruner: RetentionPruner;
  stopQueueMetrics: () => void;
  core: Core;
  bot: DiscordBot;
  health: HealthServer | undefined;
  storage: Storage;
}

/** SIGINT and SIGTERM: finish running jobs (up to the grace period), then close everything. */
function handleShutdown({
  config,
  logger,
  pruner,
  stopQueueMetrics,
  core,
  bot,
  health,
  storage,
}: Running): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(
      { signal, graceSeconds: config.file.queue.shutdownGraceSeconds },
      "shutting down: finishing running jobs",
    );
    pruner.stop();
    stopQueueMetrics();
    await core.close();
    await bot.close();
    await health?.close();
    await storage.close();
    logger.info("stopped");
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      shutdown(signal).catch((error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exitCode = 1;
      });
    });
  }
}

main().catch(exitOnStartupError);
