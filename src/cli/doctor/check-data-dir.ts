import path from "node:path";
import type { Logger } from "pino";
import { z } from "zod";
import { Store, StoreOpenError } from "../../store/store.js";
import type { DoctorReport } from "./doctor-report.js";

/** DATA_DIR opens as the bot opens it: folder created if needed, writable, the SQLite file readable. */
export async function checkDataDir(
  dataDir: string,
  cwd: string,
  logger: Logger,
  report: DoctorReport,
): Promise<void> {
  const resolved = path.resolve(cwd, dataDir);
  let store: Store | undefined;
  try {
    store = await Store.open({ dataDir: resolved, logger });
    // A write as well as the open's read: a read-only file system passes `access` on some mounts.
    await store.collection("meta", z.string()).set("doctor-check", "ok");
    report.ok(`data folder writable (${store.filePath ?? resolved})`);
  } catch (error) {
    const message = error instanceof StoreOpenError ? error.message : (error as Error).message;
    report.fail(`data folder unusable: ${resolved}`, [
      message,
      "set DATA_DIR to a folder the bot's user can write (it is created when missing)",
    ]);
  } finally {
    await store?.close();
  }
}
