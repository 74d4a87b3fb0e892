import path from "node:path";
import { ConfigError } from "../config/config-error.js";
import { withEnvFile } from "../config/env-file.js";
import { loadConfig, type AppConfig } from "../config/load-config.js";
import { OpsError } from "../ops/ops-error.js";

/** Where an operator command writes; the CLI passes console, tests collect lines. */
export interface CommandIo {
  print(line: string): void;
  printError(line: string): void;
}

export interface CommandContext {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  io: CommandIo;
}

/** The checked config as the bot sees it: `.env` beside the project, then bot.yaml and the environment. */
export function loadOperatorConfig(env: NodeJS.ProcessEnv, cwd: string): AppConfig {
  return loadConfig({ env: withEnvFile(env, path.join(cwd, ".env")), cwd });
}

/** DATA_DIR as the bot sees it. */
export function dataDirOf(config: AppConfig, cwd: string): string {
  return path.resolve(cwd, config.env.DATA_DIR);
}

/** DATA_DIR as the bot sees it, for commands that need nothing else of the config. */
export function resolveDataDir(env: NodeJS.ProcessEnv, cwd: string): string {
  return dataDirOf(loadOperatorConfig(env, cwd), cwd);
}

/**
 * For the commands that work on the SQLite file (`backup`, `restore`): a sentence refusing to run
 * when STORE_URL puts the data on Redis, where that file is not the bot's data.
 */
export function refusalOnRedis(config: AppConfig, command: string): string | undefined {
  if (config.env.STORE_URL.kind !== "redis") return undefined;
  return (
    `STORE_URL puts the data on Redis, so the SQLite file ${command} works on is not the bot's data. ` +
    "Back up Redis itself (its append-only file and snapshot: redis-cli BGSAVE, then copy dump.rdb), " +
    "or copy the data to SQLite first with comfycord migrate-store."
  );
}

/** Known failures as plain sentences; anything else is a bug and keeps its stack. */
export function describeCommandError(error: unknown): string {
  if (error instanceof ConfigError || error instanceof OpsError) return error.message;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
