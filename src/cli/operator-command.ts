import path from "node:path";
import { ConfigError } from "../config/config-error.js";
import { withEnvFile } from "../config/env-file.js";
import { loadConfig } from "../config/load-config.js";
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

/** DATA_DIR as the bot sees it: `.env` beside the project, then the checked config. */
export function resolveDataDir(env: NodeJS.ProcessEnv, cwd: string): string {
  const config = loadConfig({ env: withEnvFile(env, path.join(cwd, ".env")), cwd });
  return path.resolve(cwd, config.env.DATA_DIR);
}

/**
 * For the commands that work on the SQLite file (`backup`, `restore`): a sentence refusing to run
 * when STORE_URL puts the data on Redis, where that file is not the bot's data.
 */
export function refusalOnRedis(env: NodeJS.ProcessEnv, cwd: string, command: string): string | undefined {
  const config = loadConfig({ env: withEnvFile(env, path.join(cwd, ".env")), cwd });
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
