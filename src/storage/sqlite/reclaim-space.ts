import type { Logger } from "pino";
import type { SqliteDatabase } from "./sqlite-database.js";
import { nextBatchRows, breathe } from "./sweep.js";

/** Largest file converted to incremental auto-vacuum by a one-time VACUUM when it is opened. */
const maxConvertBytes = 64 * 1024 * 1024;
/** Most free pages given back per step; the step size follows its time like a delete batch. */
const maxPagesPerStep = 4096;

export type ReclaimMode = "incremental" | "full" | "none";

/**
 * Makes deleted rows give their space back to the file system, so the data file follows
 * retention instead of its all-time peak.
 *
 * SQLite only shrinks a file by vacuuming. A full `VACUUM` rewrites the whole file under the
 * write lock (seconds on a large store, stalling the queue), so the file runs in
 * `auto_vacuum=INCREMENTAL` (set before its first table is made), and after a prune
 * `incremental_vacuum` returns the free pages in small steps. A file made by an older version
 * without it is converted once with `VACUUM` when opened, if it is small; a large one is left as
 * it is with a warning: its free pages are still reused by new records, so it stops growing at
 * its peak but does not shrink.
 */
export async function ensureIncrementalVacuum(db: SqliteDatabase, logger: Logger): Promise<ReclaimMode> {
  const mode = await autoVacuumMode(db);
  if (mode !== "none") return mode;
  const bytes = await fileBytes(db);
  if (bytes > maxConvertBytes) {
    logger.warn(
      { bytes, file: db.file },
      "the data file has auto_vacuum off and is too large to convert at start-up: freed space " +
        "is reused but the file will not shrink; to convert it, stop the bot and run " +
        "`sqlite3 <file> 'PRAGMA auto_vacuum=INCREMENTAL; VACUUM;'`",
    );
    return "none";
  }
  await db.exec("PRAGMA auto_vacuum=INCREMENTAL; VACUUM;");
  const converted = await autoVacuumMode(db);
  logger.info({ bytes, mode: converted }, "data file switched to incremental auto-vacuum");
  return converted;
}

export interface ReclaimOptions {
  pause?: (stepMs: number) => Promise<void>;
  signal?: AbortSignal;
}

/** Gives free pages back in steps; returns how many bytes the file lost. */
export async function reclaimFreePages(db: SqliteDatabase, options: ReclaimOptions = {}): Promise<number> {
  if ((await autoVacuumMode(db)) !== "incremental") return 0;
  const pause = options.pause ?? breathe;
  const pageSize = (await db.get<{ page_size: number }>("PRAGMA page_size"))?.page_size ?? 4096;
  let reclaimed = 0;
  let pages = 64;
  for (;;) {
    const free = (await db.get<{ freelist_count: number }>("PRAGMA freelist_count"))?.freelist_count ?? 0;
    if (free === 0 || options.signal?.aborted) break;
    const step = Math.min(free, pages);
    const started = performance.now();
    await db.exec(`PRAGMA incremental_vacuum(${step})`);
    const stepMs = performance.now() - started;
    reclaimed += step;
    pages = nextBatchRows(pages, stepMs, maxPagesPerStep);
    await pause(stepMs);
  }
  // In WAL mode the file shrinks when a checkpoint copies the last pages back; TRUNCATE also
  // empties the -wal file. It is one turn of this connection (the log holds at most
  // `wal_autocheckpoint` pages), and gives up while Keyv's connection writes: a few tries, and
  // the next automatic checkpoint finishes the job anyway.
  for (let attempt = 0; reclaimed > 0 && attempt < 3; attempt++) {
    const result = await db.get<{ busy: number }>("PRAGMA wal_checkpoint(TRUNCATE)");
    if (result?.busy !== 1) break;
    await pause(50);
  }
  return reclaimed * pageSize;
}

async function fileBytes(db: SqliteDatabase): Promise<number> {
  const pages = (await db.get<{ page_count: number }>("PRAGMA page_count"))?.page_count ?? 0;
  const size = (await db.get<{ page_size: number }>("PRAGMA page_size"))?.page_size ?? 4096;
  return pages * size;
}

async function autoVacuumMode(db: SqliteDatabase): Promise<ReclaimMode> {
  const row = await db.get<{ auto_vacuum: number }>("PRAGMA auto_vacuum");
  return row?.auto_vacuum === 2 ? "incremental" : row?.auto_vacuum === 1 ? "full" : "none";
}
