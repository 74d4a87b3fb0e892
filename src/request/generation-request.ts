import { z } from "zod";

/**
 * What a member asked for, as they asked it: from `/generate`, a reroll or the terminal.
 * Anything left out takes the workflow's default; the seed is random unless given.
 *
 * PRELIMINARY: the parameter table (`param-table.ts`) replaces these hand-written schemas; the
 * exported names stay.
 */
export const generationRequestSchema = z.object({
  prompt: z.string(),
  negative: z.string().optional(),
  seed: z.number().optional(),
  steps: z.number().optional(),
  cfg: z.number().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  aspect: z.string().optional(),
  model: z.string().optional(),
  workflow: z.string().optional(),
  count: z.number().optional(),
  sampler: z.string().optional(),
  scheduler: z.string().optional(),
  denoise: z.number().optional(),
});
export type GenerationRequest = z.infer<typeof generationRequestSchema>;

/**
 * Every value a job's workflow gets, built and checked once at admission: the workflow's
 * defaults filled in, the seed chosen, the channel's negative prefix applied. Dispatch fills
 * the graph from these without building again.
 */
export const jobParamsSchema = z.object({
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
  count: z.number().optional(),
});
export type JobParams = z.infer<typeof jobParamsSchema>;
