import type { SweepOptions } from "../../queue/job-store.js";
import type { SqliteDatabase } from "./sqlite-database.js";

/** Rows per delete: a batch holds the connection for a couple of milliseconds. */
export const defaultBatchRows = 200;

/**
 * The default pause between two maintenance batches: about as long as the batch took (at least
 * 1 ms, at most 250 ms), so maintenance uses at most about half of the connection's time and an
 * admission rarely finds a batch in its way.
 */
export async function breathe(batchMs: number): Promise<void> {
  const ms = Math.min(250, Math.max(1, Math.ceil(batchMs)));
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs a bounded `DELETE` again and again until it deletes fewer rows than a batch: `sql` must end
 * with `LIMIT ?` (inside its sub-select), which gets the batch size. Each batch is one short
 * statement in its own transaction, so admissions on the same connection get their turn between
 * batches. Returns how many rows went.
 */
export async function sweep(
  db: SqliteDatabase,
  sql: string,
  params: readonly unknown[],
  options: SweepOptions = {},
): Promise<number> {
  const batchRows = options.batchRows ?? defaultBatchRows;
  const pause = options.pause ?? breathe;
  let deleted = 0;
  for (;;) {
    if (options.signal?.aborted) break;
    const started = performance.now();
    const changes = await db.run(sql, ...params, batchRows);
    deleted += changes;
    if (changes < batchRows) break;
    await pause(performance.now() - started);
  }
  return deleted;
}
