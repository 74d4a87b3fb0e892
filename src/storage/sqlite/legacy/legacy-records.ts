import { z } from "zod";
import type { ResultEntry } from "../../../history/result-store.js";
import { resultEntrySchema } from "../../../history/result-store.js";
import { isJobErrorCode, type JobError } from "../../../queue/job-error.js";
import { jobMessageSchema, jobSchema, outputFileSchema, type Job, type JobRun } from "../../../queue/job.js";
import type { GenerationRequest, JobParams } from "../../../request/generation-request.js";
import type { RecordRead } from "../../read-record.js";

/*
 * The records of comfycord before the own tables (up to 005acb5), and their conversion to today's.
 * Then a job's `params` was one flat bag: the built values (`batch` for the image count) plus two
 * extras, `userNegative` (the negative the member typed, before the channel's prefix) and
 * `parentChannelId` (for threads).
 */

const legacyParamsSchema = z.object({
  prompt: z.string(),
  negative: z.string().optional(),
  seed: z.number().optional(),
  steps: z.number().optional(),
  cfg: z.number().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  model: z.string().optional(),
  sampler: z.string().optional(),
  scheduler: z.string().optional(),
  denoise: z.number().optional(),
  batch: z.number().optional(),
  userNegative: z.string().optional(),
  parentChannelId: z.string().optional(),
});
type LegacyParams = z.infer<typeof legacyParamsSchema>;

const legacyJobSchema = z.object({
  id: z.string(),
  seq: z.number(),
  userId: z.string(),
  guildId: z.string(),
  channelId: z.string(),
  messages: z.array(jobMessageSchema),
  workflow: z.string(),
  params: legacyParamsSchema,
  priority: z.boolean(),
  // The states the old format knew (it had no "delivered").
  state: z.enum(["queued", "staged", "running", "succeeded", "failed", "cancelled"]),
  backend: z.string().optional(),
  promptId: z.string().optional(),
  attempts: z.number(),
  requeues: z.number(),
  createdAt: z.number(),
  queuedAt: z.number(),
  stagedAt: z.number().optional(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  outputs: z.array(outputFileSchema).optional(),
  rerollOf: z.string().optional(),
});

const legacyResultSchema = z.object({
  messageId: z.string(),
  channelId: z.string(),
  guildId: z.string(),
  userId: z.string(),
  jobId: z.string(),
  workflow: z.string(),
  params: legacyParamsSchema,
  createdAt: z.number(),
});

export const legacyRateSchema = z.object({ hits: z.array(z.number()) });

/** Drops keys whose value is undefined, so stored JSON carries only what was set. */
function defined<T extends object>(fields: T): T {
  const copy = { ...fields };
  for (const key of Object.keys(copy) as Array<keyof T>) if (copy[key] === undefined) delete copy[key];
  return copy;
}

/** `params` are the values the image was made with; `request` what the member asked, seed left out. */
function convertParams(
  old: LegacyParams,
  workflow: string,
): { params: JobParams; request: GenerationRequest } {
  const values = {
    steps: old.steps,
    cfg: old.cfg,
    width: old.width,
    height: old.height,
    model: old.model,
    sampler: old.sampler,
    scheduler: old.scheduler,
    denoise: old.denoise,
    count: old.batch,
  };
  return {
    params: defined({ prompt: old.prompt, negative: old.negative, seed: old.seed, ...values }),
    // As 🎲 read old params back (`optionsFromStoredParams`): the member's own negative, no seed.
    request: defined({ prompt: old.prompt, negative: old.userNegative, ...values, workflow }),
  };
}

function convertError(error: { code: string; message: string } | undefined): JobError {
  if (error === undefined) return { code: "internal", message: "failed (no reason was recorded)" };
  return { code: isJobErrorCode(error.code) ? error.code : "internal", message: error.message };
}

function issuesOf(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(record)"}: ${issue.message}`)
    .join("; ");
}

/** An old job record as a job of today, or why it cannot be one. */
export function convertLegacyJob(raw: unknown): RecordRead<Job> {
  const parsed = legacyJobSchema.safeParse(raw);
  if (!parsed.success)
    return { ok: false, reason: `not a job of the old format (${issuesOf(parsed.error)})` };
  const old = parsed.data;
  const base = {
    ...defined({
      id: old.id,
      seq: old.seq,
      userId: old.userId,
      guildId: old.guildId,
      channelId: old.channelId,
      parentChannelId: old.params.parentChannelId,
      messages: old.messages,
      workflow: old.workflow,
      priority: old.priority,
      attempts: old.attempts,
      requeues: old.requeues,
      createdAt: old.createdAt,
      queuedAt: old.queuedAt,
      rerollOf: old.rerollOf,
    }),
    ...convertParams(old.params, old.workflow),
  };
  const run: JobRun | undefined =
    old.backend !== undefined && old.promptId !== undefined
      ? defined({
          backend: old.backend,
          promptId: old.promptId,
          stagedAt: old.stagedAt ?? old.startedAt ?? old.queuedAt,
          startedAt: old.startedAt,
        })
      : undefined;
  const withRun = run === undefined ? {} : { run };
  // Older records may lack `finishedAt`; retention then ages them from their creation, as it did.
  const finishedAt = old.finishedAt ?? old.createdAt;
  let job: Job;
  switch (old.state) {
    case "queued":
      job = { ...base, state: "queued" };
      break;
    case "staged":
    case "running":
      if (run === undefined) return { ok: false, reason: `${old.state} without a backend and prompt id` };
      // A prompt that never reported its start is staged: recovery reattaches both by prompt id.
      job =
        run.startedAt === undefined
          ? { ...base, state: "staged", run }
          : {
              ...base,
              state: old.state === "running" ? "running" : "staged",
              run: { ...run, startedAt: run.startedAt },
            };
      break;
    case "succeeded":
      if (run === undefined) return { ok: false, reason: "succeeded without a backend and prompt id" };
      // The old bot posted a result right after storing it and kept no bytes to post it again, so
      // an old succeeded job counts as delivered: there is nothing a new start could deliver.
      job = {
        ...base,
        state: "delivered",
        run,
        outputs: old.outputs ?? [],
        finishedAt,
        deliveredAt: finishedAt,
      };
      break;
    case "failed":
      job = { ...base, state: "failed", ...withRun, error: convertError(old.error), finishedAt };
      break;
    case "cancelled":
      // Who cancelled was never stored.
      job = { ...base, state: "cancelled", ...withRun, cancelledBy: "owner", finishedAt };
      break;
  }
  const checked = jobSchema.safeParse(job);
  return checked.success
    ? { ok: true, value: checked.data }
    : { ok: false, reason: `converted job is invalid (${issuesOf(checked.error)})` };
}

/** An old result link as today's entry, or why it cannot be one. */
export function convertLegacyResult(raw: unknown): RecordRead<ResultEntry> {
  const parsed = legacyResultSchema.safeParse(raw);
  if (!parsed.success)
    return { ok: false, reason: `not a result of the old format (${issuesOf(parsed.error)})` };
  const { params, ...rest } = parsed.data;
  const checked = resultEntrySchema.safeParse({ ...rest, ...convertParams(params, rest.workflow) });
  return checked.success
    ? { ok: true, value: checked.data }
    : { ok: false, reason: `converted result is invalid (${issuesOf(checked.error)})` };
}
