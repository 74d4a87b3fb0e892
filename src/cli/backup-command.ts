import path from "node:path";
import { parseArgs } from "node:util";
import {
  dataDirOf,
  describeCommandError,
  loadOperatorConfig,
  refusalOnRedis,
  type CommandContext,
} from "./operator-command.js";
import { backupInputs, inputsBackupFolder } from "../ops/backup-inputs.js";
import { pruneOldBackups } from "../ops/prune-backups.js";
import { inputsFolderName } from "../storage/open-storage.js";
import { backupDatabase, dataFileName, defaultBackupFile } from "../ops/sqlite-backup.js";

const usage = `Usage: npm run backup -- [--out <file>]
Writes a consistent copy of DATA_DIR/${dataFileName}; safe while the bot runs. The input pictures
(DATA_DIR/${inputsFolderName}) go beside it, into <file without .sqlite>.inputs.
Default output: DATA_DIR/backups/comfycord-<time>.sqlite. An existing file is never overwritten.
Copies there older than retention.backupDays are deleted afterwards; other files are left alone.`;

/** `npm run backup`: returns the process exit code. */
export async function runBackupCommand(context: CommandContext & { now?: () => Date }): Promise<number> {
  const { io } = context;
  let out: string | undefined;
  try {
    const { values } = parseArgs({
      args: [...context.argv],
      options: { out: { type: "string", short: "o" }, help: { type: "boolean", short: "h" } },
      allowPositionals: false,
    });
    if (values.help) {
      io.print(usage);
      return 0;
    }
    out = values.out;
  } catch (error) {
    io.printError(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  try {
    const config = loadOperatorConfig(context.env, context.cwd);
    const onRedis = refusalOnRedis(config, "backup");
    if (onRedis !== undefined) {
      io.printError(onRedis);
      return 1;
    }
    const dataDir = dataDirOf(config, context.cwd);
    const source = path.join(dataDir, dataFileName);
    const now = (context.now ?? (() => new Date()))();
    const defaultFile = defaultBackupFile(dataDir, now);
    const dest = out === undefined ? defaultFile : path.resolve(context.cwd, out);
    const result = await backupDatabase(source, dest);
    io.print(`Backed up ${source}`);
    io.print(`       to ${result.file} (${formatBytes(result.bytes)})`);
    const picturesTo = inputsBackupFolder(result.file);
    const pictures = await backupInputs(path.join(dataDir, inputsFolderName), picturesTo);
    io.print(
      `       and ${pictures.files} input picture${pictures.files === 1 ? "" : "s"} ` +
        `(${formatBytes(pictures.bytes)}) to ${picturesTo}`,
    );
    const shown = path.relative(context.cwd, result.file);
    io.print(`Restore it with: npm run restore -- ${shown.startsWith("..") ? result.file : shown}`);
    // Only after a good copy exists: a failing backup never leaves the operator with fewer copies.
    const keepDays = config.file.retention.backupDays;
    const pruned = await pruneOldBackups(path.dirname(defaultFile), keepDays, now);
    // A copy and its pictures' folder are one backup.
    const copies = pruned.filter((file) => !file.endsWith(".inputs")).length;
    if (copies > 0) {
      io.print(`Deleted ${copies} backup(s) older than ${keepDays} days (retention.backupDays).`);
    }
    return 0;
  } catch (error) {
    io.printError(`Backup failed: ${describeCommandError(error)}`);
    return 1;
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
