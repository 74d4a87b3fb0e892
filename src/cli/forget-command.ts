/**
 * `npm run forget -- <userId>`: deletes every record the bot keeps about one Discord user (job
 * records with their prompts, result links, the rate-limit record), like `/forget-me`.
 *
 * Only while the bot is stopped: a running bot holds the member's unfinished jobs in memory and
 * would write them back. On SQLite the command takes the bot's DATA_DIR lock, so it refuses
 * (naming the bot's pid) while a bot runs, and a bot cannot start while it works; on Redis
 * (STORE_URL) it refuses while a bot's connection is open there.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { dataFileName, openStorage } from "../storage/open-storage.js";
import type { StoreTarget } from "../config/store-url.js";
import { connectedBots } from "../storage/redis/connected-bots.js";
import { RedisStorage } from "../storage/redis/redis-storage.js";
import { DataDirLockedError, StorageOpenError } from "../storage/storage-error.js";
import { isFinished } from "../queue/job.js";
import { loadOperatorConfig } from "./operator-command.js";
import type { Storage } from "../storage/storage.js";

export interface ForgetCommandContext {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  io: { print(line: string): void; printError(line: string): void };
}

const usage = "Usage: npm run forget -- <discord user id>   (with the bot stopped)";

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
    config = loadOperatorConfig(context.env, context.cwd);
  } catch (error) {
    io.printError((error as Error).message);
    return 1;
  }
  const dataDir = path.resolve(context.cwd, config.env.DATA_DIR);
  const onRedis = config.env.STORE_URL.kind === "redis";
  const storage = onRedis ? await openRedis(config.env.STORE_URL, io) : await openSqlite(dataDir, io);
  if (storage === undefined) return 1;
  try {
    const open = (await storage.jobs.loadOpen()).jobs.filter((job) => job.userId === userId);
    const unfinished = open.filter((job) => !isFinished(job)).length;
    // Images made but not posted yet wait as files beside the data file.
    for (const job of open) if (job.state === "succeeded") await storage.spool.discard(job.id);
    const jobs = await storage.jobs.forgetUser(userId);
    const results = await storage.results.forgetUser(userId);
    const rateRecords = (await storage.rates.forgetUser(userId)) ? 1 : 0;
    const inputs = await storage.inputs.forgetOwner(userId);
    io.print(
      `Deleted for ${userId}: ${jobs} job records (${unfinished} still waiting or running, which will not run), ` +
        `${results} result links, ${rateRecords} rate-limit records, ${inputs} input pictures.`,
    );
    io.print(
      onRedis
        ? "Redis's snapshot and append-only files keep theirs until Redis next rewrites them, and copies elsewhere until deleted."
        : `Backups (${path.join(dataDir, "backups")} and any copies elsewhere) keep theirs until deleted.`,
    );
    return 0;
  } finally {
    await storage.close();
  }
}

const refusal =
  "would write this member's jobs back. Ask them to use /forget-me in Discord, or stop the bot and run this again.";

/** The SQLite file, with the folder's lock: refused (undefined, said why) while a bot runs on it. */
async function openSqlite(dataDir: string, io: ForgetCommandContext["io"]): Promise<Storage | undefined> {
  if (!existsSync(path.join(dataDir, dataFileName))) {
    io.printError(`no database at ${path.join(dataDir, dataFileName)}: check DATA_DIR`);
    return undefined;
  }
  try {
    return await openStorage({ dataDir, logger: pino({ level: "warn" }, pino.destination(2)) });
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      const bot = error.pid === undefined ? "A bot" : `A bot (pid ${error.pid})`;
      io.printError(`${bot} is running on DATA_DIR "${dataDir}" and ${refusal}`);
      return undefined;
    }
    if (error instanceof StorageOpenError) {
      io.printError(error.message);
      return undefined;
    }
    throw error;
  }
}

/** The Redis STORE_URL names: refused while a bot's connection is open on it. */
async function openRedis(store: StoreTarget, io: ForgetCommandContext["io"]): Promise<Storage | undefined> {
  let storage: Storage;
  try {
    storage = await openStorage({
      store,
      logger: pino({ level: "warn" }, pino.destination(2)),
      clientName: "comfycord-forget",
    });
  } catch (error) {
    if (!(error instanceof StorageOpenError)) throw error;
    io.printError(error.message);
    return undefined;
  }
  const bots = storage instanceof RedisStorage ? await connectedBots(storage.connection) : [];
  if (bots && bots.length > 0) {
    await storage.close();
    io.printError(`A bot is connected to ${storage.location} (from ${bots.join(", ")}) and ${refusal}`);
    return undefined;
  }
  return storage;
}
