import type { SqlQuery } from "./store.js";

export interface SweepOptions {
  /** Keyv namespace (collection name): rows keyed `<namespace>:<id>`. */
  namespace: string;
  /**
   * An SQL expression over the row's `value` column (Keyv's `{"value":…,"expires":…}` JSON),
   * true for rows to delete. Written by our code, never from user input: values go in `params`.
   */
  where: string;
  params?: readonly unknown[];
  /** Rows examined per batch; each batch is two short statements. */
  batchRows?: number;
  /** Called between batches with how long the batch held the write lock; see `breathe`. */
  pause?: (writeMs: number) => Promise<void>;
  /** Stops between batches (the bot is shutting down). */
  signal?: AbortSignal;
}

/**
 * The pause between two maintenance writes: as long as the last one held the write lock (at
 * least 2 ms, at most 250 ms), so maintenance takes at most about half of the write time.
 *
 * Yielding to the event loop alone is not enough: a writer on another connection that found
 * the lock taken sleeps in SQLite's busy handler (1, 2, 5 … up to 100 ms per try) and would
 * keep missing a lock released for only a moment, so admissions could stall for seconds.
 */
export async function breathe(writeMs: number): Promise<void> {
  if (writeMs <= 0) return new Promise((resolve) => setImmediate(resolve));
  const ms = Math.min(250, Math.max(2, Math.ceil(writeMs)));
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Deletes the rows of one namespace that match `where`, walking the primary key in batches.
 *
 * Keyv's own iterator pages with `LIKE … LIMIT … OFFSET`, which rescans the table for every page
 * (quadratic) and skips rows when deleting while iterating. Here a key cursor over the primary-key
 * index bounds every batch to `batchRows` rows, so the whole sweep is linear and no statement holds
 * the write lock for long. Rows whose JSON is malformed are never matched (and never break a sweep).
 * Returns how many rows were deleted.
 */
export async function sweepNamespace(query: SqlQuery, options: SweepOptions): Promise<number> {
  const params = options.params ?? [];
  const batchRows = options.batchRows ?? 2000;
  const pause = options.pause ?? breathe;
  const match = `CASE WHEN json_valid(value) THEN (${options.where}) ELSE 0 END`;
  // ';' follows ':' in ASCII: [ns:, ns;) is exactly the namespace, as a range the index can use.
  const upper = `${options.namespace};`;
  let cursor = `${options.namespace}:`;
  let deleted = 0;
  for (;;) {
    if (options.signal?.aborted) break;
    const rows = await query<{ key: string; hit: number | null }>(
      `SELECT key, ${match} AS hit FROM keyv WHERE key > ? AND key < ? ORDER BY key LIMIT ?`,
      ...params,
      cursor,
      upper,
      batchRows,
    );
    const last = rows.at(-1);
    if (!last) break;
    cursor = last.key;
    const keys = rows.filter((row) => row.hit === 1).map((row) => row.key);
    let writeMs = 0;
    if (keys.length > 0) {
      const started = performance.now();
      // The condition is checked again: a row rewritten since the SELECT is judged as it is now.
      const removed = await query<{ key: string }>(
        `DELETE FROM keyv WHERE key IN (SELECT value FROM json_each(?)) AND ${match} RETURNING key`,
        JSON.stringify(keys),
        ...params,
      );
      deleted += removed.length;
      writeMs = performance.now() - started;
    }
    if (rows.length < batchRows) break;
    await pause(writeMs);
  }
  return deleted;
}
