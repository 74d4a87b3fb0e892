import type { Logger } from "pino";
import type { SqlQuery } from "../store/store.js";
import { breathe } from "../store/sweep-namespace.js";

/** Largest file converted to incremental auto-vacuum by a one-time VACUUM while the bot runs. */
const maxConvertBytes = 64 * 1024 * 1024;
/** Free pages given back per step (4 MiB at 4 KiB pages): each step is one short write. */
const pagesPerStep = 1024;

export type ReclaimMode = "incremental" | "full" | "none";

/**
 * Makes deleted rows give their space back to the file system, so the data file follows
 * retention instead of its all-time peak.
 *
 * SQLite only shrinks a file by vacuuming. A full `VACUUM` rewrites the whole file under the
 * write lock (seconds on a large store, stalling the queue), so the store runs in
 * `auto_vacuum=INCREMENTAL`, and after a prune `incremental_vacuum` returns the free pages in small
 * steps. A file created without it (auto_vacuum is fixed when the first table is made) is
 * converted once with `VACUUM` while it is small, which is at the bot's first start; a large
 * old file is left as it is with a warning: its free pages are still reused by new records,
 * so it stops growing at its peak but does not shrink.
 */
export async function ensureIncrementalVacuum(query: SqlQuery, logger: Logger): Promise<ReclaimMode> {
  const mode = await autoVacuumMode(query);
  if (mode !== "none") return mode;
  const [pages] = await query<{ page_count: number }>("PRAGMA page_count");
  const [size] = await query<{ page_size: number }>("PRAGMA page_size");
  const bytes = (pages?.page_count ?? 0) * (size?.page_size ?? 4096);
  if (bytes > maxConvertBytes) {
    logger.warn(
      { bytes },
      "the data file has auto_vacuum off and is too large to convert while the bot runs: freed space " +
        "is reused but the file will not shrink; to convert it, stop the bot and run " +
        "`sqlite3 <file> 'PRAGMA auto_vacuum=INCREMENTAL; VACUUM;'`",
    );
    return "none";
  }
  await query("PRAGMA auto_vacuum=INCREMENTAL");
  await query("VACUUM");
  const converted = await autoVacuumMode(query);
  logger.info({ bytes, mode: converted }, "data file switched to incremental auto-vacuum");
  return converted;
}

/** Gives free pages back in steps; returns how many pages the file lost. */
export async function reclaimFreePages(
  query: SqlQuery,
  options: { pause?: (writeMs: number) => Promise<void>; signal?: AbortSignal } = {},
): Promise<number> {
  const pause = options.pause ?? breathe;
  let reclaimed = 0;
  for (;;) {
    const [row] = await query<{ freelist_count: number }>("PRAGMA freelist_count");
    const free = row?.freelist_count ?? 0;
    if (free === 0 || options.signal?.aborted) break;
    const started = performance.now();
    await query(`PRAGMA incremental_vacuum(${Math.min(free, pagesPerStep)})`);
    reclaimed += Math.min(free, pagesPerStep);
    await pause(performance.now() - started);
  }
  // In WAL mode the file shrinks at a checkpoint; TRUNCATE also empties the -wal file. It gives
  // up (busy) while another connection writes: try a few times, the next pass tries again too.
  for (let attempt = 0; reclaimed > 0 && attempt < 3; attempt++) {
    const [result] = await query<{ busy: number }>("PRAGMA wal_checkpoint(TRUNCATE)");
    if (result?.busy !== 1) break;
    await pause(50);
  }
  return reclaimed;
}

async function autoVacuumMode(query: SqlQuery): Promise<ReclaimMode> {
  const [row] = await query<{ auto_vacuum: number }>("PRAGMA auto_vacuum");
  return row?.auto_vacuum === 2 ? "incremental" : row?.auto_vacuum === 1 ? "full" : "none";
}
