import type { SweepOptions } from "../../queue/job-store.js";

/** Most records one maintenance script deletes: a few milliseconds of Redis's single thread. */
export const defaultBatchRows = 500;

/**
 * Runs `batch` (a script deleting at most `limit` records, returning how many it deleted) until a
 * batch comes back short. Redis runs one script at a time for every client, so a long delete
 * would hold up every admission; between batches it pauses about as long as the batch took (or
 * as `options.pause` says) and stops when `options.signal` is aborted.
 */
export async function sweepInBatches(
  batch: (limit: number) => Promise<number>,
  options: SweepOptions = {},
): Promise<number> {
  const limit = Math.max(1, options.batchRows ?? defaultBatchRows);
  const pause = options.pause ?? breathe;
  let deleted = 0;
  for (;;) {
    if (options.signal?.aborted) break;
    const started = performance.now();
    const count = await batch(limit);
    deleted += count;
    if (count < limit) break;
    await pause(performance.now() - started);
  }
  return deleted;
}

async function breathe(batchMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.ceil(batchMs))));
}
