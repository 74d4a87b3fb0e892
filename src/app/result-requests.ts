import type { ResultEntry } from "../history/result-store.js";
import type { SettingValues } from "../moderation/effective-settings.js";
import type { GenerationRequest, RequestInput } from "../request/generation-request.js";
import type { WorkflowTemplate } from "../workflows/workflow-template.js";
import { rerollRequest } from "./reroll.js";

/** What a member may do to a result, by what it makes. */
export type ResultVerb = "reroll" | "vary" | "upscale" | "remix";

const verbs: Record<ResultVerb, string> = {
  reroll: "reroll",
  vary: "vary",
  upscale: "upscale",
  remix: "remix",
};

/**
 * The channel's rule for making more from someone else's result (`rerollBy`): 🎲, Reroll, Vary,
 * Upscale and Remix alike. Returns the member's words when they may not, else undefined.
 */
export function refusalToActOn(
  entry: Pick<ResultEntry, "userId">,
  userId: string,
  settings: Pick<SettingValues, "rerollBy">,
  verb: ResultVerb,
): string | undefined {
  if (settings.rerollBy === "anyone" || entry.userId === userId) return undefined;
  return `Only the person who made this image can ${verbs[verb]} it in this channel.`;
}

/** Parameters a variation keeps from its parent, where the image-to-image workflow takes them. */
const keptByVary = ["prompt", "negative", "steps", "cfg", "sampler", "scheduler"] as const;

/**
 * Vary: the result's picture into the image-to-image workflow at `denoise`, with the parent's
 * prompt and negative (and its steps and CFG where that workflow takes them) and a new seed.
 * Size, model and count are the workflow's: the output has the picture's size.
 */
export function varyRequest(
  entry: Pick<ResultEntry, "request">,
  image: string,
  img2img: WorkflowTemplate,
  denoise: number,
): GenerationRequest {
  const request: GenerationRequest = { prompt: entry.request.prompt, workflow: img2img.name, image };
  for (const name of keptByVary) {
    const value = entry.request[name];
    if (value !== undefined && img2img.takes(name)) Object.assign(request, { [name]: value });
  }
  if (img2img.takes("denoise")) request.denoise = denoise;
  return request;
}

/** Upscale: the result's picture through the upscale workflow; the prompt goes along as its description. */
export function upscaleRequest(
  entry: Pick<ResultEntry, "request">,
  image: string,
  upscale: string,
): GenerationRequest {
  return { prompt: entry.request.prompt, workflow: upscale, image };
}

/** What the Remix modal gives back: text as typed; empty seed or steps means "as before / new". */
export interface RemixInput {
  prompt: string;
  negative?: string | undefined;
  seed?: string | undefined;
  steps?: string | undefined;
}

/**
 * Remix: the parent's request on its own workflow with the prompt and negative as edited, the
 * seed given or a new one, the steps given or the parent's. Typed numbers stay text when they
 * are not numbers, so the request check answers with its usual words ("Seed must be ...").
 */
export function remixRequest(
  entry: Pick<ResultEntry, "request" | "workflow">,
  input: RemixInput,
): RequestInput {
  const { negative: _negative, steps: _steps, ...rest } = rerollRequest(entry);
  const request: RequestInput = { ...rest, prompt: input.prompt };
  const negative = input.negative?.trim();
  if (negative !== undefined && negative !== "") request.negative = input.negative;
  const steps = input.steps?.trim();
  if (steps !== undefined && steps !== "") request.steps = asNumber(steps);
  else if (entry.request.steps !== undefined) request.steps = entry.request.steps;
  const seed = input.seed?.trim();
  if (seed !== undefined && seed !== "") request.seed = asNumber(seed);
  return request;
}

function asNumber(text: string): number | string {
  return /^-?\d+$/.test(text) ? Number(text) : text;
}
