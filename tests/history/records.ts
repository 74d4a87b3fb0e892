import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import type { ResultEntry } from "../../src/history/result-index.js";
import type { Job, JobState } from "../../src/queue/job.js";
import { Store } from "../../src/store/store.js";

export const silent = pino({ level: "silent" });

/** A real SQLite file in a fresh temp folder. */
export async function openTempStore(): Promise<Store> {
  return Store.open({ dataDir: mkdtempSync(path.join(tmpdir(), "comfycord-history-")), logger: silent });
}

let seq = 0;

export function job(fields: {
  id: string;
  userId: string;
  state: JobState;
  at: number;
  guildId?: string;
}): Job {
  seq++;
  const finished = fields.state === "succeeded" || fields.state === "failed" || fields.state === "cancelled";
  return {
    id: fields.id,
    seq,
    userId: fields.userId,
    guildId: fields.guildId ?? "g1",
    channelId: "c1",
    messages: [],
    workflow: "sd15",
    params: { prompt: `prompt of ${fields.id}`, seed: seq },
    priority: false,
    state: fields.state,
    attempts: finished ? 1 : 0,
    requeues: 0,
    createdAt: fields.at - 1000,
    queuedAt: fields.at - 1000,
    ...(finished ? { finishedAt: fields.at } : {}),
  };
}

export function result(fields: {
  messageId: string;
  userId: string;
  createdAt: number;
  guildId?: string;
  prompt?: string;
}): ResultEntry {
  return {
    messageId: fields.messageId,
    channelId: "c1",
    guildId: fields.guildId ?? "g1",
    userId: fields.userId,
    jobId: `job-${fields.messageId}`,
    workflow: "sd15",
    params: { prompt: fields.prompt ?? `prompt ${fields.messageId}`, seed: 42 },
    createdAt: fields.createdAt,
  };
}

/** Ids stored in one namespace, read back through the store's SQL. */
export async function idsIn(store: Store, namespace: string): Promise<string[]> {
  const rows = await store.sql()!<{ key: string }>(
    "SELECT key FROM keyv WHERE key > ? AND key < ? ORDER BY key",
    `${namespace}:`,
    `${namespace};`,
  );
  return rows.map((row) => row.key.slice(namespace.length + 1));
}
