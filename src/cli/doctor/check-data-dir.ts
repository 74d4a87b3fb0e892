import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { probeDataDirLock } from "../../storage/data-dir-lock.js";
import { dataFileName } from "../../storage/open-storage.js";
import { inspectDataFile } from "../../storage/sqlite/inspect-data-file.js";
import type { DoctorReport } from "./doctor-report.js";

/**
 * DATA_DIR as the bot needs it: a folder it can write (created if missing), a data file this
 * version can read, and whether a bot runs on it. Reads only: doctor runs beside the bot, so it
 * neither takes the bot's lock nor opens the file for writing.
 */
export async function checkDataDir(
  dataDir: string,
  cwd: string,
  logger: Logger,
  report: DoctorReport,
): Promise<void> {
  const resolved = path.resolve(cwd, dataDir);
  try {
    await mkdir(resolved, { recursive: true });
    // A real write: a read-only file system passes `access` on some mounts.
    const probe = path.join(resolved, `.doctor-probe-${process.pid}`);
    await writeFile(probe, "ok");
    await rm(probe);
  } catch (error) {
    report.fail(`data folder unusable: ${resolved}`, [
      (error as Error).message,
      "set DATA_DIR to a folder the bot's user can write (it is created when missing)",
    ]);
    return;
  }
  const file = path.join(resolved, dataFileName);
  report.ok(`data folder writable (${file})`);

  const lock = await probeDataDirLock(resolved);
  if (lock.held)
    report.note(`a bot is running on this folder${lock.pid === undefined ? "" : ` (pid ${lock.pid})`}`);

  if (!existsSync(file)) {
    report.skip("data file", "not created yet: the bot creates it when it first starts");
    return;
  }
  try {
    const data = await inspectDataFile(file);
    if (data.version > data.currentVersion) {
      report.fail(
        `data file written by a newer comfycord (format ${data.version}, this version reads ${data.currentVersion})`,
        ["run the newer version, or restore a backup taken before the upgrade (npm run restore)"],
      );
    } else if (data.version < data.currentVersion) {
      report.ok(`data file readable (older format ${data.version}: the bot converts it when it next starts)`);
    } else {
      report.ok(
        `data file readable: ${data.jobs} jobs (${data.unfinishedJobs} unfinished), ${data.results} result links`,
      );
    }
    if (data.setAside > 0) {
      report.warn(`${data.setAside} stored records could not be read back and were set aside`, [
        `inspect them with: sqlite3 "${file}" 'SELECT source, record_id, reason FROM set_aside'`,
        "delete them there once handled: the bot never loads them",
      ]);
    }
  } catch (error) {
    logger.debug({ err: error }, "data file check failed");
    report.fail(`data file unreadable: ${file}`, [
      (error as Error).message,
      "restore the last good backup with npm run restore (the bot stopped)",
    ]);
  }
}
