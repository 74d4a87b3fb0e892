import type { BindingName } from "../request/param-table.js";
import { asLink, type ApiNode, type ApiPrompt } from "./api-prompt.js";
import { literalFits, type Binding, type Bindings } from "./binding.js";

const stockSamplers = new Set(["KSampler", "KSamplerAdvanced", "SamplerCustom", "SamplerCustomAdvanced"]);

const loraLoaders = ["LoraLoader", "LoraLoaderModelOnly"];

/** Node classes whose one input is found by class alone, when the graph has exactly one of them. */
const soleInputs: ReadonlyArray<{ param: BindingName; classes: readonly string[]; input: string }> = [
  // An input image: image-to-image, vary, upscale. Two LoadImage nodes (an init image and a
  // ControlNet hint) are ambiguous, so then the operator binds it.
  { param: "image", classes: ["LoadImage"], input: "image" },
  { param: "lora", classes: loraLoaders, input: "lora_name" },
  // One strength for both: LoraLoaderModelOnly has no CLIP strength, so only the first binds there.
  { param: "lora_strength", classes: loraLoaders, input: "strength_model" },
  { param: "lora_clip_strength", classes: loraLoaders, input: "strength_clip" },
];

export interface Detection {
  bindings: Bindings;
  /** Every sampler-like node seen, the chosen one first. */
  samplerIds: string[];
}

/**
 * Finds where each bot parameter goes by walking the graph from the sampler, the way a person
 * reads it: positive/negative links lead to the text encoders, `latent_image` to the empty latent
 * (size and batch), `model` to the checkpoint loader; seed, steps, cfg, sampler, scheduler and
 * denoise sit on the sampler itself or, for SamplerCustomAdvanced, on the nodes feeding it. The
 * input image and the LoRA are the `image` of the graph's only LoadImage and the `lora_name` of
 * its only LoRA loader, whose `strength_model` and `strength_clip` take the LoRA strength.
 * Works from the graph alone, so it runs before any backend is known.
 */
export function detectBindings(prompt: ApiPrompt): Detection {
  const samplerIds = findSamplers(prompt);
  const bindings: Bindings = {};
  // Before the sampler: an upscale graph has a LoadImage and no sampler at all.
  for (const { param, classes, input } of soleInputs) {
    const nodeId = soleNode(prompt, classes);
    if (nodeId !== undefined && literalFits(param, prompt[nodeId]!.inputs[input])) {
      bindings[param] = { nodeId, input };
    }
  }
  const samplerId = samplerIds[0];
  if (samplerId === undefined) return { bindings, samplerIds };
  const sampler = prompt[samplerId]!;

  const set = (param: BindingName, binding: Binding | undefined): void => {
    if (binding) bindings[param] = binding;
  };
  const guider = linkedNode(sampler, "guider");
  const sigmas = linkedNode(sampler, "sigmas");

  for (const [param, side, opposite] of [
    ["prompt", "positive", "negative"],
    ["negative", "negative", "positive"],
  ] as const) {
    const start = linkedNode(sampler, side) ?? (guider && linkedNode(prompt[guider]!, side));
    const encoder = findUpstream(prompt, start, (node) => literalFits(param, node.inputs.text), {
      prefer: side,
      avoid: opposite,
    });
    if (encoder !== undefined) set(param, { nodeId: encoder, input: "text" });
  }
  // One encoder feeding both sides (ConditioningZeroOut graphs) is the prompt, not the negative.
  if (bindings.negative && bindings.negative.nodeId === bindings.prompt?.nodeId) delete bindings.negative;

  set("seed", ownOrVia(prompt, samplerId, "seed", ["seed", "noise_seed"], ["noise"]));
  set("steps", ownOrVia(prompt, samplerId, "steps", ["steps"], ["sigmas"]));
  set("cfg", ownOrVia(prompt, samplerId, "cfg", ["cfg"], ["guider"]));
  set("sampler", ownOrVia(prompt, samplerId, "sampler", ["sampler_name"], ["sampler"]));
  set("scheduler", ownOrVia(prompt, samplerId, "scheduler", ["scheduler"], ["sigmas"]));
  set("denoise", ownOrVia(prompt, samplerId, "denoise", ["denoise"], ["sigmas"]));

  const latent =
    findLatentSource(prompt, samplerId, isEmptyLatent) ?? findLatentSource(prompt, samplerId, hasLiteralSize);
  if (latent !== undefined) {
    set("width", { nodeId: latent, input: "width" });
    set("height", { nodeId: latent, input: "height" });
    if (literalFits("batch", prompt[latent]!.inputs.batch_size)) {
      set("batch", { nodeId: latent, input: "batch_size" });
    }
  }

  const modelStart =
    linkedNode(sampler, "model") ??
    (guider && linkedNode(prompt[guider]!, "model")) ??
    (sigmas && linkedNode(prompt[sigmas]!, "model"));
  const loader = findUpstream(prompt, modelStart, (node) => modelInput(node) !== undefined, {});
  if (loader !== undefined) set("model", { nodeId: loader, input: modelInput(prompt[loader]!)! });

  return { bindings, samplerIds };
}

/** The one node of these classes, or undefined when there is none or more than one. */
function soleNode(prompt: ApiPrompt, classes: readonly string[]): string | undefined {
  const ids = Object.keys(prompt).filter((id) => classes.includes(prompt[id]!.class_type));
  return ids.length === 1 ? ids[0] : undefined;
}

function isSampler(node: ApiNode): boolean {
  if (stockSamplers.has(node.class_type)) return true;
  const { inputs } = node;
  return asLink(inputs.latent_image) !== undefined && asLink(inputs.positive ?? inputs.guider) !== undefined;
}

/**
 * Sampler-like nodes, the first-stage one first: a hires-fix graph has a second sampler whose
 * latent comes from the first, and the bot's size and prompt belong to the first.
 */
function findSamplers(prompt: ApiPrompt): string[] {
  const ids = Object.keys(prompt)
    .filter((id) => isSampler(prompt[id]!))
    .sort(compareNodeIds);
  const firstStage = (id: string): boolean => findLatentSource(prompt, id, isEmptyLatent) !== undefined;
  return [...ids.filter(firstStage), ...ids.filter((id) => !firstStage(id))];
}

function compareNodeIds(a: string, b: string): number {
  const diff = Number(a) - Number(b);
  return Number.isNaN(diff) ? a.localeCompare(b) : diff;
}

/** The node giving the sampler its latent, without passing through another sampler. */
function findLatentSource(
  prompt: ApiPrompt,
  samplerId: string,
  accept: (node: ApiNode) => boolean,
): string | undefined {
  return findUpstream(prompt, linkedNode(prompt[samplerId]!, "latent_image"), accept, {
    through: (node) => !isSampler(node),
  });
}

/** EmptyLatentImage and its kin: a size and no inputs from other nodes (LatentUpscale has both). */
function isEmptyLatent(node: ApiNode): boolean {
  return hasLiteralSize(node) && Object.values(node.inputs).every((value) => asLink(value) === undefined);
}

function hasLiteralSize(node: ApiNode): boolean {
  return literalFits("width", node.inputs.width) && literalFits("height", node.inputs.height);
}

function modelInput(node: ApiNode): string | undefined {
  return ["ckpt_name", "unet_name"].find((name) => literalFits("model", node.inputs[name]));
}

function linkedNode(node: ApiNode, input: string): string | undefined {
  return asLink(node.inputs[input])?.nodeId;
}

/**
 * The literal input for `param` on the node itself, or on a node one link away through one of
 * `via`. An input fed by a link (a seed from a primitive-like node) is followed to its source.
 */
function ownOrVia(
  prompt: ApiPrompt,
  nodeId: string,
  param: BindingName,
  names: string[],
  via: string[],
): Binding | undefined {
  const own = literalInput(prompt, nodeId, param, names, 0);
  if (own) return own;
  for (const input of via) {
    const source = linkedNode(prompt[nodeId]!, input);
    const found = source !== undefined ? literalInput(prompt, source, param, names, 0) : undefined;
    if (found) return found;
  }
  return undefined;
}

function literalInput(
  prompt: ApiPrompt,
  nodeId: string,
  param: BindingName,
  names: string[],
  depth: number,
): Binding | undefined {
  const node = prompt[nodeId];
  if (!node) return undefined;
  for (const name of names) {
    const value = node.inputs[name];
    if (value === undefined) continue;
    const link = asLink(value);
    if (link) {
      if (depth >= 2) return undefined;
      return literalInput(prompt, link.nodeId, param, [...names, "value"], depth + 1);
    }
    return literalFits(param, value) ? { nodeId, input: name } : undefined;
  }
  return undefined;
}

interface WalkOptions {
  /** Inputs with this name are followed first (a positive chain through ControlNet nodes). */
  prefer?: string;
  /** Inputs with this name are never followed (so the positive walk cannot reach the negative). */
  avoid?: string;
  /** Nodes the walk may not pass through. */
  through?: (node: ApiNode) => boolean;
}

/** Breadth-first walk against the links, from `start` towards the loaders. */
function findUpstream(
  prompt: ApiPrompt,
  start: string | undefined,
  accept: (node: ApiNode) => boolean,
  options: WalkOptions,
): string | undefined {
  if (start === undefined) return undefined;
  const queue = [start];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const id = queue.shift()!;
    const node = prompt[id];
    if (seen.has(id) || !node) continue;
    seen.add(id);
    if (accept(node)) return id;
    if (options.through && !options.through(node)) continue;
    const names = Object.keys(node.inputs).filter((name) => name !== options.avoid);
    names.sort((a, b) => Number(b === options.prefer) - Number(a === options.prefer));
    for (const name of names) {
      const link = asLink(node.inputs[name]);
      if (link) queue.push(link.nodeId);
    }
  }
  return undefined;
}
