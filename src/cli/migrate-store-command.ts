/**
 * `comfycord migrate-store --from <store> --to <store> [--force]`: copies everything the bot keeps
 * (jobs of every state, result links, rate-limit records, settings, meta, ETA averages) from its
 * SQLite file into Redis, or back. One side is `sqlite:<DATA_DIR>` (`sqlite:` alone: DATA_DIR as
 * configured), the other `redis://…`. Only while no bot uses either: the SQLite folder's lock is
 * taken (a running bot makes this refuse with its pid), and a bot's connection on the Redis makes
 * it refuse too. The target must be empty unless `--force`, which moves an old data file aside
 * or deletes the Redis keys under the bot's prefix first. Counts are checked after the copy.
 */
import path from "node:path";
import { parseStoreUrl, type StoreTarget } from "../config/store-url.js";
import { StorageOpenError } from "../storage/storage-error.js";
import { copyRecords, countRecords, describeCounts, sameCounts } from "./migrate/copy-records.js";
import { hasDataFile, MigrateRefusal, openSide, type MigrateSide } from "./migrate/migrate-side.js";
import { describeCommandError, resolveDataDir, type CommandContext } from "./operator-command.js";

const usage = `Usage: comfycord migrate-store --from <store> --to <store> [--force]   (with every bot stopped)
  <store> is sqlite:<DATA_DIR> (sqlite: alone means DATA_DIR as configured) or redis://host:port/db
  --force  replace what the target holds (an old data file is moved aside, Redis keys are deleted)`;

/** Returns the process exit code. */
export async function runMigrateStoreCommand(context: CommandContext): Promise<number> {
  const { io, argv } = context;
  if (argv.includes("--help") || argv.includes("-h")) {
    io.print(usage);
    return 0;
  }
  const from = readStoreArg(argv, "--from");
  const to = readStoreArg(argv, "--to");
  if ("problem" in from || "problem" in to) {
    io.printError(
      `${"problem" in from ? from.problem : ""}${"problem" in to ? ` ${to.problem}` : ""}`.trim(),
    );
    io.printError(usage);
    return 2;
  }
  if (from.kind === to.kind) {
    io.printError(`one side is SQLite and the other Redis\n${usage}`);
    return 2;
  }
  let source: MigrateSide | undefined;
  let target: MigrateSide | undefined;
  try {
    const sourceDir = dataDirOf(from, context);
    if (from.kind === "sqlite" && !hasDataFile(sourceDir)) {
      throw new MigrateRefusal(`There is no data file in ${sourceDir}: nothing to copy (check the folder).`);
    }
    source = await openSide(from, sourceDir);
    target = await openSide(to, dataDirOf(to, context));
    if (await target.holdsData()) {
      if (!context.argv.includes("--force")) {
        throw new MigrateRefusal(
          `${target.label} already holds data: nothing was copied. Pass --force to replace it ` +
            "(a data file is moved aside, Redis keys under the bot's prefix are deleted).",
        );
      }
      io.print(`--force: ${await target.clear()}.`);
    }
    io.print(`Copying ${source.label} → ${target.label}`);
    const reader = source.reader();
    const copied = await copyRecords(reader, target.storage, Date.now());
    for (const line of describeCounts(copied.counts)) io.print(line);
    if (copied.expiredRates > 0)
      io.print(`rate-limit records already expired, not copied: ${copied.expiredRates}`);
    if (reader.unreadable > 0) io.print(`records that could not be read, not copied: ${reader.unreadable}`);
    const found = await countRecords(target.reader());
    if (!sameCounts(found, copied.counts)) {
      io.printError(`The copy does not match: the target now holds ${describeCounts(found).join(", ")}.`);
      return 1;
    }
    io.print(
      to.kind === "redis"
        ? `Done. Set STORE_URL=${target.label} (with its credentials) and start the bot.`
        : `Done. Unset STORE_URL (or set it to sqlite:) with DATA_DIR=${dataDirOf(to, context)} and start the bot.`,
    );
    return 0;
  } catch (error) {
    if (error instanceof MigrateRefusal || error instanceof StorageOpenError) {
      io.printError(error.message);
      return 1;
    }
    io.printError(describeCommandError(error));
    return 1;
  } finally {
    await target?.close();
    await source?.close();
  }
}

function readStoreArg(argv: readonly string[], flag: string): StoreTarget | { problem: string } {
  const index = argv.indexOf(flag);
  const value = index < 0 ? undefined : argv[index + 1];
  if (value === undefined || value.startsWith("--")) return { problem: `${flag} is missing` };
  const parsed = parseStoreUrl(value, { allowSqliteFolder: true });
  return "problem" in parsed ? { problem: `${flag}: ${parsed.problem}` } : parsed;
}

function dataDirOf(target: StoreTarget, context: CommandContext): string {
  if (target.kind === "sqlite" && target.dataDir !== undefined)
    return path.resolve(context.cwd, target.dataDir);
  return resolveDataDir(context.env, context.cwd);
}
