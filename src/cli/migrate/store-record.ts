import type { ResultEntry } from "../../history/result-store.js";
import type { SettingsRecord } from "../../moderation/settings-store.js";
import type { EtaSnapshot } from "../../queue/eta-model.js";
import type { RunOutputFile } from "../../queue/dispatcher.js";
import type { Job } from "../../queue/job.js";
import type { Storage } from "../../storage/storage.js";

/** One record of one port, as `migrate-store` copies it. */
export type StoreRecord =
  /** A succeeded job not posted yet comes with the output files kept for it. */
  | { kind: "job"; job: Job; outputs?: RunOutputFile[] | undefined }
  | { kind: "result"; entry: ResultEntry }
  | { kind: "rate"; userId: string; hits: number[]; expiresAt: number }
  | { kind: "settings"; key: string; record: SettingsRecord }
  | { kind: "meta"; key: string; value: string }
  | { kind: "eta"; snapshot: EtaSnapshot };

export type RecordKind = StoreRecord["kind"];

/** Everything a store holds, read record by record; `unreadable` counts what could not be read. */
export interface StoreReader {
  records(): AsyncGenerator<StoreRecord>;
  readonly unreadable: number;
}

/** Writes one record through the target's ports, as the bot would have written it. */
export async function writeRecord(storage: Storage, record: StoreRecord): Promise<void> {
  switch (record.kind) {
    case "job":
      await storage.jobs.save(record.job);
      if (record.outputs) await storage.spool.keep(record.job.id, record.outputs);
      return;
    case "result":
      return storage.results.record(record.entry);
    case "rate":
      return storage.rates.save(record.userId, record.hits, record.expiresAt);
    case "settings":
      return storage.settings.set(record.key, record.record);
    case "meta":
      return storage.meta.set(record.key, record.value);
    case "eta":
      return storage.eta.save(record.snapshot);
  }
}

/** How many records of each kind, of jobs how many are unfinished, and how many kept output sets. */
export interface RecordCounts {
  job: number;
  unfinished: number;
  outputs: number;
  result: number;
  rate: number;
  settings: number;
  meta: number;
  eta: number;
}

export function emptyCounts(): RecordCounts {
  return { job: 0, unfinished: 0, outputs: 0, result: 0, rate: 0, settings: 0, meta: 0, eta: 0 };
}

/** The job as a record, with its kept outputs when it waits to be posted. */
export async function jobRecord(job: Job, storage: Pick<Storage, "spool">): Promise<StoreRecord> {
  if (job.state !== "succeeded") return { kind: "job", job };
  return { kind: "job", job, outputs: await storage.spool.load(job.id) };
}
