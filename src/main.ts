/**
 * Composition root: the only module with side effects at start. It reads the configuration,
 * builds the logger and the store, and wires the core to Discord.
 */
import path from "node:path";
import { describeStartupError } from "./app/exit-on-startup-error.js";
import { missingTokenHelp } from "./app/startup-messages.js";
import { withEnvFile } from "./config/env-file.js";
import { loadConfig } from "./config/load-config.js";
import { createLogger } from "./log/logger.js";
import { Store } from "./store/store.js";

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
  const store = await Store.open({ dataDir: config.env.DATA_DIR, logger });
  logger.info({ dataFile: store.filePath }, "store open");

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    await store.close();
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

main().catch((error: unknown) => {
  process.stderr.write(describeStartupError(error));
  process.exitCode = 1;
});
