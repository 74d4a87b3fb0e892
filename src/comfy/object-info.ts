import { z } from "zod";

/**
 * ComfyUI's `/object_info`: every node class the server can run and the spec of each input.
 * Parsed loosely (servers add fields between versions); only what the bot reads is typed.
 */
const inputSpecSchema = z.tuple([z.union([z.string(), z.array(z.unknown())])], z.unknown());
const nodeSpecSchema = z.looseObject({
  input: z
    .looseObject({
      required: z.record(z.string(), inputSpecSchema).optional(),
      optional: z.record(z.string(), inputSpecSchema).optional(),
    })
    .default({}),
  output: z.array(z.union([z.string(), z.array(z.unknown())])).default([]),
  output_node: z.boolean().default(false),
  // Real 0.3.64 servers send `display_name: null` for ~100 classes (object_info_full.raw.json).
  display_name: z
    .string()
    .nullish()
    .transform((value) => value ?? undefined)
    .optional(),
  category: z.string().nullish(),
});
export const objectInfoSchema = z.record(z.string(), nodeSpecSchema);
export type ObjectInfo = z.infer<typeof objectInfoSchema>;
export type NodeSpec = z.infer<typeof nodeSpecSchema>;

/** One input of one node class, with ComfyUI's two combo shapes folded into one. */
export type InputDescription =
  | { kind: "INT" | "FLOAT"; min?: number; max?: number; step?: number; default?: number }
  | { kind: "STRING"; multiline: boolean; default?: string }
  | { kind: "BOOLEAN"; default?: boolean }
  | { kind: "COMBO"; options: string[]; default?: string }
  /** Any other type name (MODEL, CLIP, LATENT, ...) is fed by a link from another node. */
  | { kind: "LINK"; type: string };

function numberOption(options: Record<string, unknown>, key: string): number | undefined {
  const value = options[key];
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

export function describeInput(spec: z.infer<typeof inputSpecSchema>): InputDescription {
  const [type, rawOptions] = spec;
  const options =
    typeof rawOptions === "object" && rawOptions !== null ? (rawOptions as Record<string, unknown>) : {};
  // Legacy combo: [["a.safetensors", "b.ckpt"], {tooltip}].
  if (Array.isArray(type)) return withDefault({ kind: "COMBO", options: stringArray(type) }, options);
  // Newer combo: ["COMBO", {options: [...]}].
  if (type === "COMBO") return withDefault({ kind: "COMBO", options: stringArray(options.options) }, options);
  if (type === "INT" || type === "FLOAT") {
    const described: InputDescription = { kind: type };
    const min = numberOption(options, "min");
    const max = numberOption(options, "max");
    const step = numberOption(options, "step");
    const fallback = numberOption(options, "default");
    if (min !== undefined) described.min = min;
    // Seeds go to 2^64-1, which JSON.parse rounds to 2^64: still the right "no practical limit".
    if (max !== undefined) described.max = max;
    if (step !== undefined) described.step = step;
    if (fallback !== undefined) described.default = fallback;
    return described;
  }
  if (type === "STRING") {
    const described: InputDescription = { kind: "STRING", multiline: options.multiline === true };
    if (typeof options.default === "string") described.default = options.default;
    return described;
  }
  if (type === "BOOLEAN") {
    const described: InputDescription = { kind: "BOOLEAN" };
    if (typeof options.default === "boolean") described.default = options.default;
    return described;
  }
  return { kind: "LINK", type };
}

function withDefault(
  described: { kind: "COMBO"; options: string[]; default?: string },
  options: Record<string, unknown>,
): InputDescription {
  if (typeof options.default === "string") described.default = options.default;
  return described;
}

/** The spec of `classType.inputName`, looking in required then optional inputs. */
export function findInput(
  info: ObjectInfo,
  classType: string,
  inputName: string,
): InputDescription | undefined {
  const node = info[classType];
  const spec = node?.input.required?.[inputName] ?? node?.input.optional?.[inputName];
  return spec ? describeInput(spec) : undefined;
}

export function comboOptions(info: ObjectInfo, classType: string, inputName: string): string[] | undefined {
  const described = findInput(info, classType, inputName);
  return described?.kind === "COMBO" ? described.options : undefined;
}

/** Checkpoints the server offers, from the stock loader's combo. */
export function checkpointNames(info: ObjectInfo): string[] {
  return comboOptions(info, "CheckpointLoaderSimple", "ckpt_name") ?? [];
}

/** LoRA files the server offers (models/loras), from the stock LoRA loaders' combos. */
export function loraNames(info: ObjectInfo): string[] {
  const lists = ["LoraLoader", "LoraLoaderModelOnly"].map(
    (classType) => comboOptions(info, classType, "lora_name") ?? [],
  );
  return [...new Set(lists.flat())];
}

export function samplerNames(info: ObjectInfo): string[] {
  return comboOptions(info, "KSampler", "sampler_name") ?? [];
}

export function schedulerNames(info: ObjectInfo): string[] {
  return comboOptions(info, "KSampler", "scheduler") ?? [];
}
