import type { GenerateOptions } from "./generation-service.js";

/**
 * A job's stored parameters read back as the options that would make the same image, seed left
 * out: what a 🎲 reroll submits, and what dispatch re-checks against the channel's rules.
 * Stored values are plain JSON, so every field is checked rather than cast.
 */
export function optionsFromStoredParams(params: Record<string, unknown>, workflow: string): GenerateOptions {
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  const num = (value: unknown) => (typeof value === "number" ? value : undefined);
  return {
    prompt: text(params.prompt) ?? "",
    // The member's own negative: the stored `negative` already carries the channel's prefixes.
    negative: text(params.userNegative),
    steps: num(params.steps),
    cfg: num(params.cfg),
    width: num(params.width),
    height: num(params.height),
    model: text(params.model),
    sampler: text(params.sampler),
    scheduler: text(params.scheduler),
    denoise: num(params.denoise),
    count: num(params.batch),
    workflow,
  };
}
