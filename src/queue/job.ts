import { z } from "zod";
import { generationRequestSchema, jobParamsSchema, type JobParams } from "../request/generation-request.js";
import { jobErrorSchema } from "./job-error.js";

/**
 * A job is typed by its state: a queued job has no prompt id, a staged or running one has a
 * backend and a prompt id (`run`), a finished one says how it ended. Jobs are values: every
 * change is a new job made by `transition()` (`job-lifecycle.ts`), stored before it is acted on.
 *
 * queued → staged (in ComfyUI's queue) → running → succeeded → delivered, or failed | cancelled.
 * A job lost by a ComfyUI restart goes back to `queued` (its `requeues` counts it). A succeeded job
 * is delivered once its result is posted on Discord; one that can never be posted fails as
 * `undelivered`.
 */
export const jobStates = [
  "queued",
  "staged",
  "running",
  "succeeded",
  "delivered",
  "failed",
  "cancelled",
] as const;
export type JobState = (typeof jobStates)[number];

/** Generation is over: nothing more runs on a GPU for these. */
export const finishedStates = [
  "succeeded",
  "delivered",
  "failed",
  "cancelled",
] as const satisfies readonly JobState[];
export type FinishedState = (typeof finishedStates)[number];

/** Nothing more will happen to these: the store may file them away for retention. */
export const closedStates = ["delivered", "failed", "cancelled"] as const satisfies readonly JobState[];
export type ClosedState = (typeof closedStates)[number];

export function isFinishedState(state: JobState): state is FinishedState {
  return (finishedStates as readonly JobState[]).includes(state);
}

export function isClosedState(state: JobState): state is ClosedState {
  return (closedStates as readonly JobState[]).includes(state);
}

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

/**
 * The interaction a job was asked for with, stored at admission: its reply is posted a moment
 * after the job is stored, so a bot that stops between the two can still find that reply (through
 * the token, while it lives) when the job's message was never stored.
 */
export const jobOriginSchema = z.object({
  interactionToken: z.string(),
  tokenExpiresAt: z.number(),
});
export type JobOrigin = z.infer<typeof jobOriginSchema>;

/** What is kept of an output: where ComfyUI has it, never the bytes. */
export const outputFileSchema = z.object({
  nodeId: z.string(),
  filename: z.string(),
  subfolder: z.string(),
  type: z.string(),
  contentType: z.string().optional(),
  byteLength: z.number().optional(),
});
export type OutputFile = z.infer<typeof outputFileSchema>;

/** One attempt on a backend: set when the job is staged, `startedAt` once ComfyUI runs it. */
export const jobRunSchema = z.object({
  backend: z.string(),
  /** Lowercase UUID sent to ComfyUI as `prompt_id`; new for every attempt. */
  promptId: z.string(),
  stagedAt: z.number(),
  startedAt: z.number().optional(),
});
export type JobRun = z.infer<typeof jobRunSchema>;

const jobBaseShape = {
  id: z.string(),
  /** Admission order, global and monotonic: per-member FIFO order and recovery order. */
  seq: z.number(),
  userId: z.string(),
  guildId: z.string(),
  channelId: z.string(),
  /** Set for threads, which follow their parent channel's rules. */
  parentChannelId: z.string().optional(),
  messages: z.array(jobMessageSchema),
  /** Set for jobs answered with an interaction reply (`/generate`); see `jobOriginSchema`. */
  origin: jobOriginSchema.optional(),
  workflow: z.string(),
  /** What the member asked for, as asked: a reroll sends it again with a new seed. */
  request: generationRequestSchema,
  /** Every value the workflow gets, built and checked at admission. */
  params: jobParamsSchema,
  /** Served in the priority lane (a role grant). */
  priority: z.boolean(),
  /** Times the job was handed to a backend. */
  attempts: z.number(),
  /** Times the job went back to the queue after ComfyUI lost it. */
  requeues: z.number(),
  createdAt: z.number(),
  queuedAt: z.number(),
  /** The job this one rerolls. */
  rerollOf: z.string().optional(),
};

/** What every state shares. */
const jobBaseSchema = z.object(jobBaseShape);
export type JobBase = z.infer<typeof jobBaseSchema>;

export const queuedJobSchema = z.object({ ...jobBaseShape, state: z.literal("queued") });
export const stagedJobSchema = z.object({ ...jobBaseShape, state: z.literal("staged"), run: jobRunSchema });
export const runningJobSchema = z.object({
  ...jobBaseShape,
  state: z.literal("running"),
  run: jobRunSchema.required({ startedAt: true }),
});
export const succeededJobSchema = z.object({
  ...jobBaseShape,
  state: z.literal("succeeded"),
  run: jobRunSchema,
  outputs: z.array(outputFileSchema),
  finishedAt: z.number(),
});
export const deliveredJobSchema = z.object({
  ...jobBaseShape,
  state: z.literal("delivered"),
  run: jobRunSchema,
  outputs: z.array(outputFileSchema),
  finishedAt: z.number(),
  /** When the result was posted on Discord (its message is the job's `messages`). */
  deliveredAt: z.number(),
});
export const failedJobSchema = z.object({
  ...jobBaseShape,
  state: z.literal("failed"),
  /** The last attempt, when there was one. */
  run: jobRunSchema.optional(),
  error: jobErrorSchema,
  finishedAt: z.number(),
});
export const cancelledJobSchema = z.object({
  ...jobBaseShape,
  state: z.literal("cancelled"),
  run: jobRunSchema.optional(),
  cancelledBy: z.enum(["owner", "moderator"]),
  finishedAt: z.number(),
});

export const jobSchema = z.discriminatedUnion("state", [
  queuedJobSchema,
  stagedJobSchema,
  runningJobSchema,
  succeededJobSchema,
  deliveredJobSchema,
  failedJobSchema,
  cancelledJobSchema,
]);

export type QueuedJob = z.infer<typeof queuedJobSchema>;
export type StagedJob = z.infer<typeof stagedJobSchema>;
export type RunningJob = z.infer<typeof runningJobSchema>;
export type SucceededJob = z.infer<typeof succeededJobSchema>;
export type DeliveredJob = z.infer<typeof deliveredJobSchema>;
export type FailedJob = z.infer<typeof failedJobSchema>;
export type CancelledJob = z.infer<typeof cancelledJobSchema>;
export type Job = z.infer<typeof jobSchema>;
/** Handed to a backend: its prompt is in ComfyUI's queue or running. */
export type InFlightJob = StagedJob | RunningJob;
export type FinishedJob = SucceededJob | DeliveredJob | FailedJob | CancelledJob;
export type UnfinishedJob = QueuedJob | InFlightJob;
export type ClosedJob = DeliveredJob | FailedJob | CancelledJob;
/** Not closed yet: waiting, in flight, or succeeded and waiting to be posted. */
export type OpenJob = UnfinishedJob | SucceededJob;

export function isFinished(job: Job): job is FinishedJob {
  return isFinishedState(job.state);
}

export function isClosed(job: Job): job is ClosedJob {
  return isClosedState(job.state);
}

export function isInFlight(job: Job): job is InFlightJob {
  return job.state === "staged" || job.state === "running";
}

/** The fields every state shares, without the state-specific ones (a new state starts from these). */
export function jobBase(job: Job): JobBase {
  return jobBaseSchema.parse(job);
}

/** When the job ended, for finished jobs. */
export function finishedAtOf(job: Job): number | undefined {
  return isFinished(job) ? job.finishedAt : undefined;
}

/** What the ETA model reads of a job. */
export interface JobShapeSource {
  workflow: string;
  params: Pick<JobParams, "width" | "height" | "count" | "steps">;
}

/** Numeric parameters the ETA model keys on. */
export function jobShape(job: JobShapeSource): {
  workflow: string;
  size: string;
  steps: number | undefined;
} {
  const { width, height, count = 1, steps } = job.params;
  const size = width !== undefined && height !== undefined ? `${width}x${height}x${count}` : "?";
  return { workflow: job.workflow, size, steps };
}
