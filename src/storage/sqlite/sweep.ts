import type { SweepOptions } from "../../queue/job-store.js";
import type { SqliteDatabase } from "./sqlite-database.js";

/** Most rows one delete takes, unless the caller says otherwise. */
export const defaultBatchRows = 2000;
/** What a batch aims to take: an admission queued behind it waits about this long. */
const targetBatchMs = 2;
const minBatchRows = 10;

/**
 * The pause between two maintenance batches: about as long as the batch took (at least 1 ms),
 * so maintenance holds the connection at most about half of the time. Just yielding would be
 * twice as fast, but then nearly every admission waits behind a batch (p99 ~60 ms during a
 * prune instead of ~2 ms); this way most find the connection free.
 */
export async function breathe(batchMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.ceil(batchMs))));
}

/**
 * Runs a bounded `DELETE` again and again until it deletes fewer rows than it was allowed: `sql`
 * must end with `LIMIT ?` (inside its sub-select), which gets the batch size. Each batch is one
 * short statement in its own transaction on the shared connection, so an admission queued
 * meanwhile waits for one batch at most. The batch size follows the measured time, aiming at
 * `targetBatchMs` whatever the machine and the table's size, up to `batchRows`. Returns how many
 * rows went.
 */
export async function sweep(
  db: SqliteDatabase,
  sql: string,
  params: readonly unknown[],
  options: SweepOptions = {},
): Promise<number> {
  const maxRows = options.batchRows ?? defaultBatchRows;
  const pause = options.pause ?? breathe;
  let rows = Math.min(maxRows, 100);
  let deleted = 0;
  for (;;) {
    if (options.signal?.aborted) break;
    const started = performance.now();
    const changes = await db.run(sql, ...params, rows);
    const batchMs = performance.now() - started;
    deleted += changes;
    if (changes < rows) break;
    rows = nextBatchRows(rows, batchMs, maxRows);
    await pause(batchMs);
  }
  return deleted;
}

/** The next batch's size from the last one's time: aims at `targetBatchMs`, changing at most 2× a step. */
export function nextBatchRows(rows: number, batchMs: number, maxRows: number): number {
  const scaled = rows * Math.min(2, Math.max(0.5, targetBatchMs / Math.max(batchMs, 0.01)));
  return Math.max(Math.min(minBatchRows, maxRows), Math.min(maxRows, Math.round(scaled)));
}
