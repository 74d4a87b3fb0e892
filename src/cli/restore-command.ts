import path from "node:path";
import { parseArgs } from "node:util";
import {
  describeCommandError,
  refusalOnRedis,
  dataDirOf,
  loadOperatorConfig,
  type CommandContext,
} from "./operator-command.js";
import { dataFileName, restoreDatabase } from "../ops/sqlite-backup.js";

const usage = `Usage: npm run restore -- <backup file>
Replaces DATA_DIR/${dataFileName} with the backup after checking it. Stop the bot first.
The replaced file is kept beside it as ${dataFileName}.before-restore-<time>.`;

/** `npm run restore`: returns the process exit code. */
export async function runRestoreCommand(context: CommandContext & { now?: () => Date }): Promise<number> {
  const { io } = context;
  let backupArg: string | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: [...context.argv],
      options: { help: { type: "boolean", short: "h" } },
      allowPositionals: true,
    });
    if (values.help) {
      io.print(usage);
      return 0;
    }
    if (positionals.length !== 1) throw new Error("expected exactly one backup file");
    backupArg = positionals[0];
  } catch (error) {
    io.printError(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  try {
    const config = loadOperatorConfig(context.env, context.cwd);
    const onRedis = refusalOnRedis(config, "restore");
    if (onRedis !== undefined) {
      io.printError(onRedis);
      return 1;
    }
    const dataDir = dataDirOf(config, context.cwd);
    const dataFile = path.join(dataDir, dataFileName);
    const backupFile = path.resolve(context.cwd, backupArg!);
    io.print("Restoring works only while the bot is stopped; a running bot is detected and refused.");
    const result = await restoreDatabase(backupFile, dataFile, context.now);
    io.print(
      `Checked ${backupFile}: integrity ok, ${result.records} record${result.records === 1 ? "" : "s"}`,
    );
    if (result.previousFile) io.print(`Kept the replaced data file as ${result.previousFile}`);
    if (result.pictures) {
      const { files } = result.pictures;
      io.print(
        `Restored ${files} input picture${files === 1 ? "" : "s"} (new ones only) into DATA_DIR/inputs`,
      );
    }
    io.print(`Restored ${result.dataFile}. Start the bot again.`);
    return 0;
  } catch (error) {
    io.printError(`Restore failed: ${describeCommandError(error)}`);
    return 1;
  }
}
