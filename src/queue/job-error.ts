import { z } from "zod";

/**
 * Why a job failed: a closed set, stored with the job and turned into the member's words by one
 * exhaustive switch (`describeJobError`), so a new code is a compile error until it has a text.
 *
 * The `comfy_*` codes are failures of a run on a GPU host as the dispatcher reports them; the
 * queue adds its own:
 * - `no_backend`: no configured backend can run this workflow or model at all;
 * - `refused`: the channel's rules changed while the job waited, and no longer allow it;
 * - `undelivered`: the image was made but could never be posted (the channel is gone, no access);
 * - `invalid_params`: the job's values do not fit the workflow any more (the config changed);
 * - `input_missing`: the picture the job starts from is no longer kept (forgotten or pruned);
 * - `internal`: an error without a code (a bug; the log has the details).
 */
export const jobErrorCodes = [
  "comfy_unreachable",
  "comfy_validation",
  "comfy_execution",
  "comfy_interrupted",
  "comfy_lost",
  "comfy_timeout",
  "comfy_output_too_large",
  "comfy_bad_response",
  "no_backend",
  "refused",
  "undelivered",
  "invalid_params",
  "input_missing",
  "internal",
] as const;
export type JobErrorCode = (typeof jobErrorCodes)[number];

export function isJobErrorCode(code: unknown): code is JobErrorCode {
  return typeof code === "string" && (jobErrorCodes as readonly string[]).includes(code);
}

export const jobErrorSchema = z.object({
  code: z.enum(jobErrorCodes),
  /** Technical detail for the log and, shortened, for the member (never a banned term). */
  message: z.string(),
  /** The node that raised, for `comfy_execution`. */
  node: z.string().optional(),
  /** The GPU ran out of memory (a `comfy_execution` the member can fix with a smaller size). */
  outOfMemory: z.boolean().optional(),
  /** Which deadline passed, for `comfy_timeout`. */
  timeout: z.enum(["start", "node_inactivity", "overall", "request", "download"]).optional(),
});
export type JobError = z.infer<typeof jobErrorSchema>;
