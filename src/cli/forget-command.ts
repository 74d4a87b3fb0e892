/**
 * `npm run forget -- <userId>`: deletes every record the bot keeps about one Discord user (job
 * records with their prompts, result links, the rate-limit counter), like `/forget-me`.
 *
 * Safe while the bot runs (SQLite in WAL mode lets both write the file), with one limit: the
 * running bot keeps the user's unfinished jobs in memory and writes them again when they finish.
 * The command says when it deleted any; use `/forget-me` then, or run it again once they are done.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { withEnvFile } from "../config/env-file.js";
import { loadConfig } from "../config/load-config.js";
import { ResultIndex } from "../history/result-index.js";
import { dataFileName } from "../ops/sqlite-backup.js";
import { QueueStore } from "../queue/queue-store.js";
import { Store } from "../store/store.js";

export interface ForgetCommandContext {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  io: { print(line: string): void; printError(line: string): void };
}

const usage = "Usage: npm run forget -- <discord user id>";

/** Returns the process exit code. */
export async function runForgetCommand(context: ForgetCommandContext): Promise<number> {
  const { io } = context;
  const userId = context.argv.find((arg) => !arg.startsWith("-"));
  if (context.argv.includes("--help") || context.argv.includes("-h")) {
    io.print(usage);
    return 0;
  }
  if (!userId || !/^\d{17,20}$/.test(userId)) {
    io.printError(
      `expected a Discord user id (17 to 20 digits), got ${JSON.stringify(userId ?? "")}\n${usage}`,
    );
    return 2;
  }
  let config;
  try {
    config = loadConfig({ env: withEnvFile(context.env, path.join(context.cwd, ".env")), cwd: context.cwd });
  } catch (error) {
    io.printError((error as Error).message);
    return 1;
  }
  const dataDir = path.resolve(context.cwd, config.env.DATA_DIR);
  if (!existsSync(path.join(dataDir, dataFileName))) {
    io.printError(`no database at ${path.join(dataDir, dataFileName)}: check DATA_DIR`);
    return 1;
  }
  const store = await Store.open({ dataDir, logger: pino({ level: "warn" }, pino.destination(2)) });
  try {
    const queue = new QueueStore(store, { retentionMs: config.file.retention.days * 86_400_000 });
    const removed = await queue.forgetUser(userId);
    const results = await new ResultIndex(store).forgetUser(userId);
    io.print(
      `Deleted for ${userId}: ${removed.jobs + removed.history} job records ` +
        `(${removed.jobs} unfinished), ${results} result links, ${removed.rateRecords} rate-limit records.`,
    );
    if (removed.jobs > 0) {
      io.print(
        "Warning: some jobs were still waiting or running. If the bot is running it still holds them and " +
          "will write them again when they finish: run this again once they are done, or use /forget-me.",
      );
    }
    return 0;
  } finally {
    await store.close();
  }
}
