import { z } from "zod";
import type { AdmissionRequest } from "./admission.js";

/**
 * queued → staged (in ComfyUI's queue) → running → succeeded | failed | cancelled.
 * A job lost by a ComfyUI restart goes back to `queued` (its `requeues` counts it).
 */
export const jobStates = ["queued", "staged", "running", "succeeded", "failed", "cancelled"] as const;
export type JobState = (typeof jobStates)[number];

export const finishedStates: ReadonlySet<JobState> = new Set(["succeeded", "failed", "cancelled"]);

export function isFinished(state: JobState): boolean {
  return finishedStates.has(state);
}

/**
 * Why a job failed. Run failures keep the code the dispatcher gave (the ComfyUI client's
 * `comfy_*` codes); the queue adds its own:
 * - `no_backend`: no configured backend can run this workflow/model at all;
 * - `comfy_lost`: ComfyUI lost the prompt more often than `maxRequeues` allows;
 * - `internal`: an error without a code (a bug; the log has the details).
 */
export const jobErrorSchema = z.object({ code: z.string(), message: z.string() });
export type JobError = z.infer<typeof jobErrorSchema>;

/** A Discord message that shows the job; set by the Discord layer, opaque to the queue. */
export const jobMessageSchema = z.object({
  channelId: z.string(),
  messageId: z.string(),
  interactionToken: z.string().optional(),
  tokenExpiresAt: z.number().optional(),
  /** When it was posted: Discord caps edits of messages older than an hour. */
  postedAt: z.number().optional(),
});
export type JobMessage = z.infer<typeof jobMessageSchema>;

/** What is kept of an output: names, never bytes. */
export const outputFileSchema = z.object({
  nodeId: z.string(),
  filename: z.string(),
  subfolder: z.string(),
  type: z.string(),
  contentType: z.string().optional(),
  byteLength: z.number().optional(),
});
export type OutputFile = z.infer<typeof outputFileSchema>;

export const jobSchema = z.object({
  id: z.string(),
  /** Admission order, global and monotonic: per-user FIFO order and recovery order. */
  seq: z.number(),
  userId: z.string(),
  guildId: z.string(),
  channelId: z.string(),
  messages: z.array(jobMessageSchema),
  workflow: z.string(),
  /** The caller's parameters (prompt, seed, size...), stored as given. */
  params: z.record(z.string(), z.unknown()),
  priority: z.boolean(),
  state: z.enum(jobStates),
  backend: z.string().optional(),
  /** Lowercase UUID sent to ComfyUI as `prompt_id`; new for every attempt. */
  promptId: z.string().optional(),
  /** Times the job was handed to a backend. */
  attempts: z.number(),
  /** Times the job went back to the queue after ComfyUI lost it. */
  requeues: z.number(),
  createdAt: z.number(),
  queuedAt: z.number(),
  stagedAt: z.number().optional(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  error: jobErrorSchema.optional(),
  outputs: z.array(outputFileSchema).optional(),
  rerollOf: z.string().optional(),
});
export type Job = z.infer<typeof jobSchema>;

/** A copy safe to hand out or to persist while the live job keeps changing. */
export function snapshotJob(job: Job): Job {
  return {
    ...job,
    messages: job.messages.map((message) => ({ ...message })),
    ...(job.outputs ? { outputs: job.outputs.map((file) => ({ ...file })) } : {}),
  };
}

/** Numeric parameters the ETA model keys on, when the caller's params carry them. */
export function jobShape(job: Pick<Job, "workflow" | "params">): {
  workflow: string;
  size: string;
  steps: number | undefined;
} {
  const num = (value: unknown): number | undefined =>
    typeof value === "number" && Number.isFinite(value) ? value : undefined;
  const width = num(job.params["width"]);
  const height = num(job.params["height"]);
  const batch = num(job.params["batch"]) ?? 1;
  const size = width !== undefined && height !== undefined ? `${width}x${height}x${batch}` : "?";
  return { workflow: job.workflow, size, steps: num(job.params["steps"]) };
}

/** A freshly admitted job, waiting. */
export function newJob(request: AdmissionRequest, at: { id: string; seq: number; now: number }): Job {
  return {
    id: at.id,
    seq: at.seq,
    userId: request.userId,
    guildId: request.guildId,
    channelId: request.channelId,
    messages: request.messages ? request.messages.map((message) => ({ ...message })) : [],
    workflow: request.workflow,
    params: request.params,
    priority: request.limits.priority === true,
    state: "queued",
    attempts: 0,
    requeues: 0,
    createdAt: at.now,
    queuedAt: at.now,
    ...(request.rerollOf === undefined ? {} : { rerollOf: request.rerollOf }),
  };
}
