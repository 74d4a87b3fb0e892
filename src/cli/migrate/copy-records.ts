import { isFinished } from "../../queue/job.js";
import type { Storage } from "../../storage/storage.js";
import { emptyCounts, writeRecord, type RecordCounts, type StoreReader } from "./store-record.js";

/**
 * Writes every record the reader yields into `target`, counting them by kind. Rate-limit records
 * whose expiry passed by `now` are left out (they limit nobody any more).
 */
export async function copyRecords(
  reader: StoreReader,
  target: Storage,
  now: number,
): Promise<{ counts: RecordCounts; expiredRates: number }> {
  const counts = emptyCounts();
  let expiredRates = 0;
  for await (const record of reader.records()) {
    if (record.kind === "rate" && record.expiresAt <= now) {
      expiredRates++;
      continue;
    }
    await writeRecord(target, record);
    count(counts, record);
  }
  return { counts, expiredRates };
}

/** What a store holds, by kind. */
export async function countRecords(reader: StoreReader): Promise<RecordCounts> {
  const counts = emptyCounts();
  for await (const record of reader.records()) count(counts, record);
  return counts;
}

function count(counts: RecordCounts, record: Parameters<typeof writeRecord>[1]): void {
  counts[record.kind]++;
  if (record.kind === "job" && !isFinished(record.job)) counts.unfinished++;
  if (record.kind === "job" && record.outputs) counts.outputs++;
}

/**
 * Whether the target holds what was copied. Rate-limit records may expire between the copy and
 * this check (Redis drops them by itself), so there the target may hold fewer.
 */
export function sameCounts(found: RecordCounts, copied: RecordCounts): boolean {
  return (Object.keys(copied) as Array<keyof RecordCounts>).every((key) =>
    key === "rate" ? found.rate <= copied.rate : found[key] === copied[key],
  );
}

/** The counts as the lines the command prints. */
export function describeCounts(counts: RecordCounts): string[] {
  return [
    `jobs: ${counts.job} (${counts.unfinished} unfinished, ${counts.outputs} with images not posted yet)`,
    `result links: ${counts.result}`,
    `rate-limit records: ${counts.rate}`,
    `settings records: ${counts.settings}`,
    `meta records: ${counts.meta}`,
    `ETA averages: ${counts.eta === 0 ? "none" : "yes"}`,
  ];
}
