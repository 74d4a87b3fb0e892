import type { ResultEntry } from "../../src/history/result-store.js";
import type { SettingsRecord } from "../../src/moderation/settings-store.js";
import type {
  CancelledJob,
  FailedJob,
  Job,
  QueuedJob,
  RunningJob,
  StagedJob,
  SucceededJob,
  DeliveredJob,
} from "../../src/queue/job.js";

/** Test records of every kind, with what varies between tests as arguments. */

export interface JobFields {
  id: string;
  seq?: number;
  userId?: string;
  guildId?: string;
  at?: number;
}

export function queuedJob(fields: JobFields): QueuedJob {
  const at = fields.at ?? 1_700_000_000_000;
  return {
    id: fields.id,
    seq: fields.seq ?? 1,
    userId: fields.userId ?? "u1",
    guildId: fields.guildId ?? "g1",
    channelId: "c1",
    messages: [{ channelId: "c1", messageId: `m-${fields.id}`, postedAt: at }],
    workflow: "sdxl",
    request: { prompt: `a lighthouse ${fields.id}`, negative: "fog", count: 2 },
    params: { prompt: `a lighthouse ${fields.id}`, negative: "blurry, fog", seed: 42, steps: 30, count: 2 },
    priority: false,
    attempts: 0,
    requeues: 0,
    createdAt: at - 1000,
    queuedAt: at - 1000,
    state: "queued",
  };
}

export function stagedJob(fields: JobFields): StagedJob {
  const job = queuedJob(fields);
  return {
    ...job,
    state: "staged",
    attempts: 1,
    run: { backend: "gpu-a", promptId: `p-${job.id}`, stagedAt: job.queuedAt + 10 },
  };
}

export function runningJob(fields: JobFields): RunningJob {
  const job = stagedJob(fields);
  return { ...job, state: "running", run: { ...job.run, startedAt: job.run.stagedAt + 10 } };
}

export function succeededJob(fields: JobFields & { finishedAt?: number }): SucceededJob {
  const job = runningJob(fields);
  return {
    ...job,
    state: "succeeded",
    outputs: [{ nodeId: "9", filename: "out_0001.png", subfolder: "", type: "output", byteLength: 1234 }],
    finishedAt: fields.finishedAt ?? fields.at ?? 1_700_000_000_000,
  };
}

/** Succeeded and posted on Discord: closed. */
export function deliveredJob(fields: JobFields & { finishedAt?: number }): DeliveredJob {
  const job = succeededJob(fields);
  return {
    ...job,
    state: "delivered",
    messages: [{ channelId: job.channelId, messageId: `message-of-${job.id}` }],
    deliveredAt: job.finishedAt + 50,
  };
}

/** Failed on a backend; `neverSent` fails it before any backend took it (no `run`). */
export function failedJob(fields: JobFields & { finishedAt?: number; neverSent?: boolean }): FailedJob {
  const finishedAt = fields.finishedAt ?? fields.at ?? 1_700_000_000_000;
  if (fields.neverSent) {
    const job = queuedJob(fields);
    return {
      ...job,
      state: "failed",
      error: { code: "no_backend", message: "no host has sdxl" },
      finishedAt,
    };
  }
  const job = runningJob(fields);
  return {
    ...job,
    state: "failed",
    error: { code: "comfy_execution", message: "CUDA out of memory", node: "3", outOfMemory: true },
    finishedAt,
  };
}

export function cancelledJob(fields: JobFields & { finishedAt?: number }): CancelledJob {
  return {
    ...queuedJob(fields),
    state: "cancelled",
    cancelledBy: "moderator",
    finishedAt: fields.finishedAt ?? fields.at ?? 1_700_000_000_000,
  };
}

/** One job of each state, for round trips. */
export function jobsOfEveryState(userId = "u1"): Job[] {
  return [
    queuedJob({ id: "queued", seq: 1, userId }),
    { ...stagedJob({ id: "staged", seq: 2, userId }), parentChannelId: "parent-1" },
    runningJob({ id: "running", seq: 3, userId }),
    { ...succeededJob({ id: "succeeded", seq: 4, userId }), rerollOf: "queued" },
    deliveredJob({ id: "delivered", seq: 8, userId }),
    failedJob({ id: "failed", seq: 5, userId }),
    cancelledJob({ id: "cancelled", seq: 6, userId }),
    failedJob({ id: "failed-unsent", seq: 7, userId, neverSent: true }),
  ];
}

export function resultEntry(fields: {
  messageId: string;
  userId?: string;
  guildId?: string;
  createdAt: number;
  prompt?: string;
}): ResultEntry {
  const prompt = fields.prompt ?? `prompt ${fields.messageId}`;
  return {
    messageId: fields.messageId,
    channelId: "c1",
    guildId: fields.guildId ?? "g1",
    userId: fields.userId ?? "u1",
    jobId: `job-${fields.messageId}`,
    workflow: "sdxl",
    request: { prompt, steps: 30 },
    params: { prompt, seed: 42, steps: 30, count: 1 },
    createdAt: fields.createdAt,
  };
}

export function settingsRecord(guildId: string, maxSteps: number): SettingsRecord {
  return { guildId, settings: { maxSteps, bannedTerms: [":) smiley", "regex:/x+/"] } };
}
