/**
 * A process that opens DATA_DIR the way the bot does and holds it until told to stop: for the
 * one-bot-per-folder tests. Prints `ready <pid>` once it holds the storage; on a start-up error
 * prints what `main` prints and exits 1.
 *
 * Usage: node --import <tsx loader> hold-data-dir.ts <dataDir>
 */
import { pino } from "pino";
import { describeStartupError } from "../../../src/app/exit-on-startup-error.js";
import { openStorage } from "../../../src/storage/open-storage.js";

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error("usage: hold-data-dir.ts <dataDir>");
try {
  const storage = await openStorage({ dataDir, logger: pino({ level: "silent" }) });
  await storage.meta.set("held-by", String(process.pid));
  const keepAlive = setInterval(() => undefined, 60_000);
  process.once("SIGTERM", () => {
    clearInterval(keepAlive);
    storage.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`close failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
  // Last: the parent may signal the moment it reads this.
  process.stdout.write(`ready ${process.pid}\n`);
} catch (error) {
  process.stderr.write(describeStartupError(error));
  process.exitCode = 1;
}
