import { aspectNames } from "../workflows/aspect-presets.js";
import type { ParamRow } from "./param-row.js";

/**
 * ComfyUI seeds go up to 2^64-1, but a JS number holds integers exactly only below 2^53: a larger
 * seed would be rounded on its way through JSON, the store and the reroll, and the image could not
 * be made again from the number shown. Discord's own cap for integer options is the same.
 */
export const maxSeed = Number.MAX_SAFE_INTEGER;

/**
 * Every parameter of a generation, once. The order is the order of the `/generate` options, the
 * CLI usage and the finished job's fields. To add a parameter, add a row here, teach
 * `src/workflows/detect-bindings.ts` where its binding usually is, and test both (README:
 * "Adding a parameter").
 *
 * The Discord limits are the widest any channel may allow; the channel's settings and the host's
 * input specs narrow them at admission.
 */
export const paramTable = [
  {
    name: "prompt",
    label: "prompt",
    type: { kind: "text", maxLength: 6000 },
    required: true,
    binding: "prompt",
    discord: { description: "What to draw" },
  },
  {
    name: "negative",
    label: "negative prompt",
    type: { kind: "text", maxLength: 6000 },
    binding: "negative",
    discord: { description: "What to keep out of the image" },
    cli: { placeholder: "<text>" },
  },
  {
    name: "seed",
    label: "seed",
    type: { kind: "integer", min: 0, max: maxSeed },
    binding: "seed",
    // A fixed default seed would make ComfyUI serve its cache instead of a new image.
    whenLeftOut: "random",
    discord: { description: "Seed for a repeatable image (random if left out)" },
    cli: { placeholder: "<n>" },
    view: { label: "Seed", format: "code" },
  },
  {
    name: "steps",
    label: "steps",
    type: { kind: "integer", min: 1, max: 500 },
    binding: "steps",
    discord: { description: "Sampling steps" },
    cli: { placeholder: "<n>" },
    view: { label: "Steps" },
    limit: {
      kind: "max",
      setting: "maxSteps",
      refusal: "too_many_steps",
      message: "Steps {value} is above this channel's limit of {max}.",
    },
  },
  {
    name: "cfg",
    label: "CFG",
    type: { kind: "number", min: 0, max: 100 },
    binding: "cfg",
    discord: { description: "Prompt strength (CFG scale)" },
    cli: { placeholder: "<x>" },
    view: { label: "CFG" },
  },
  {
    name: "aspect",
    label: "aspect ratio",
    type: { kind: "choice", values: aspectNames },
    needs: ["width", "height"],
    discord: { description: "Aspect ratio at the workflow's native resolution", choices: "values" },
    cli: { placeholder: "<w:h>", help: "Aspect ratio at the workflow's native resolution, e.g. 16:9" },
  },
  {
    name: "width",
    label: "width",
    // Latent images are 1/8 of the pixel size, so sizes are multiples of 8 whatever the node says.
    type: { kind: "integer", min: 64, max: 8192, multipleOf: 8 },
    binding: "width",
    discord: { description: "Width in pixels (overrides aspect)" },
    cli: { placeholder: "<n>" },
    view: { label: "Size", pairedWith: "height" },
    limit: {
      kind: "max",
      setting: "maxWidth",
      refusal: "too_large",
      message: "Width {value} is above this channel's limit of {max} pixels.",
    },
  },
  {
    name: "height",
    label: "height",
    type: { kind: "integer", min: 64, max: 8192, multipleOf: 8 },
    binding: "height",
    discord: { description: "Height in pixels (overrides aspect)" },
    cli: { placeholder: "<n>" },
    limit: {
      kind: "max",
      setting: "maxHeight",
      refusal: "too_large",
      message: "Height {value} is above this channel's limit of {max} pixels.",
    },
  },
  {
    name: "model",
    label: "model",
    type: { kind: "name", maxLength: 200 },
    binding: "model",
    workflowList: "models",
    discord: { description: "Checkpoint to use", autocomplete: true },
    cli: { placeholder: "<checkpoint>" },
    view: { label: "Model", format: "name" },
    limit: {
      kind: "oneOf",
      setting: "models",
      refusal: "model_not_allowed",
      message: 'The model "{value}" is not allowed in this channel. Allowed: {allowed}.',
    },
  },
  {
    name: "workflow",
    label: "workflow",
    type: { kind: "name", maxLength: 32 },
    discord: { description: "Workflow to run", choices: "workflows" },
    cli: { placeholder: "<name>", help: "A workflow from the config (default: the first)", short: "w" },
    view: { label: "Workflow", format: "name" },
    limit: {
      kind: "oneOf",
      setting: "workflows",
      refusal: "workflow_not_allowed",
      message: 'The workflow "{value}" is not allowed in this channel. Allowed: {allowed}.',
    },
  },
  {
    name: "count",
    label: "image count",
    type: { kind: "integer", min: 1, max: 10 },
    // The latent's batch_size: the config's binding name predates this option's.
    binding: "batch",
    discord: { description: "Images in this job" },
    cli: { placeholder: "<n>" },
    view: { label: "Images", shownAbove: 1 },
    limit: {
      kind: "max",
      setting: "maxCount",
      refusal: "too_many_images",
      message: "{value} images is above this channel's limit of {max} per request.",
    },
  },
  {
    // An operator's preset (`styles[]`): resolved at admission like the workflow, so a stored
    // request keeps the name and a reroll applies the style again (`src/presets/`).
    name: "style",
    label: "style",
    type: { kind: "name", maxLength: 32 },
    discord: { description: "A style preset: wraps your prompt", autocomplete: true, presets: "styles" },
    cli: { placeholder: "<name>", help: "A style from the config's styles" },
    view: { label: "Style", format: "name" },
    limit: {
      kind: "oneOf",
      setting: "styles",
      refusal: "style_not_allowed",
      message: 'The style "{value}" is not allowed in this channel. Allowed: {allowed}.',
    },
  },
  // Not offered on /generate or the CLI: this refactor keeps the command Discord registers as it
  // was. Offering them is a `discord: { description, autocomplete: true }` and a `cli` entry here;
  // autocomplete then lists the host's samplers like it lists checkpoints.
  { name: "sampler", label: "sampler", type: { kind: "name", maxLength: 100 }, binding: "sampler" },
  { name: "scheduler", label: "scheduler", type: { kind: "name", maxLength: 100 }, binding: "scheduler" },
  // Only meaningful with an input image (image-to-image).
  { name: "denoise", label: "denoise", type: { kind: "number", min: 0, max: 1 }, binding: "denoise" },
  // An attachment on /generate (downloaded, checked and kept first: `generate-from-image.ts`), or a
  // result to vary or upscale; uploaded to the host at dispatch. Not a CLI flag.
  {
    name: "image",
    label: "input image",
    type: { kind: "image" },
    binding: "image",
    discord: { description: "A picture to start from (PNG, JPEG or WebP)" },
  },
  {
    // Asked by its name in the operator's allow-list (`loras[]`); admission turns it into the
    // file the LoraLoader gets, checked against the host's list like a checkpoint. The workflow's
    // default (`workflows[].defaults.lora`) is a file.
    name: "lora",
    label: "LoRA",
    type: { kind: "name", maxLength: 200 },
    binding: "lora",
    discord: { description: "A LoRA from the bot's list", autocomplete: true, presets: "loras" },
    cli: { placeholder: "<name>", help: "A LoRA from the config's loras, by name" },
    view: { label: "LoRA", format: "name" },
  },
  {
    name: "lora_strength",
    label: "LoRA strength",
    // ComfyUI takes -100..100; past ±2 a LoRA only burns the image. Negative inverts it (sliders).
    type: { kind: "number", min: -2, max: 2 },
    // One strength for the model and the text encoder, as members think of "how much LoRA".
    binding: "lora_strength",
    alsoBinds: ["lora_clip_strength"],
    whenLeftOut: "graph",
    discord: { description: "How strongly the LoRA applies, -2 to 2 (default: the LoRA's own)" },
    cli: { placeholder: "<x>" },
    view: { label: "LoRA strength" },
  },
] as const satisfies readonly ParamRow[];

type TableRow = (typeof paramTable)[number];
/** Every request field: `prompt`, `aspect`, `count`, ... */
export type ParamName = TableRow["name"];
type BoundTableRow = Extract<TableRow, { binding: string }>;
/**
 * The `workflows[].bindings` keys, the operator's names: `count` binds through `batch`, and a LoRA
 * strength through `lora_strength` and `lora_clip_strength` both.
 */
export type BindingName =
  BoundTableRow["binding"] | Extract<TableRow, { alsoBinds: readonly string[] }>["alsoBinds"][number];
/**
 * Bindings an operator may give a default in `workflows[].defaults`: not the prompt, the seed or
 * an input image (each job brings its own), nor one the graph keeps (the LoRA strengths).
 */
export type DefaultableBinding = Exclude<
  BoundTableRow,
  { required: true } | { whenLeftOut: "random" | "graph" } | { type: { kind: "image" } }
>["binding"];
/** The parameters a workflow gets: the `JobParams` keys. */
export type BuiltName = BoundTableRow["name"];

/** A row of the table, with its names narrowed to the table's own. */
export type Param = Omit<ParamRow, "name" | "binding" | "alsoBinds" | "needs"> & {
  readonly name: ParamName;
  readonly binding?: BindingName;
  readonly alsoBinds?: readonly BindingName[];
  readonly needs?: readonly BindingName[];
};
/** A row whose value goes into the graph. */
export type BoundParam = Param & { readonly name: BuiltName; readonly binding: BindingName };

export const paramRows: readonly Param[] = paramTable;
export const boundRows: readonly BoundParam[] = paramRows.filter(
  (row): row is BoundParam => row.binding !== undefined,
);
/** Every binding key a row writes its value through: its own, then `alsoBinds`. */
export function bindingsOf(row: BoundParam): readonly BindingName[] {
  return [row.binding, ...(row.alsoBinds ?? [])];
}

/** `workflows[].bindings` keys in table order. */
export const bindingNames: readonly BindingName[] = boundRows.flatMap(bindingsOf);

/** Whether `workflows[].defaults` may set this row (see DefaultableBinding). */
export function isDefaultable(row: Param): boolean {
  return (
    !row.required && row.whenLeftOut !== "random" && row.whenLeftOut !== "graph" && row.type.kind !== "image"
  );
}

export function paramNamed(name: ParamName): Param {
  return paramRows.find((row) => row.name === name)!;
}

/** The row a binding key belongs to (`batch` → the `count` row, `lora_clip_strength` → `lora_strength`). */
export function paramBoundTo(binding: BindingName): BoundParam {
  return boundRows.find((row) => bindingsOf(row).includes(binding))!;
}

export function isParamName(name: string): name is ParamName {
  return paramRows.some((row) => row.name === name);
}
