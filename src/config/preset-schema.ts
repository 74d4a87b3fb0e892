import { z } from "zod";
import { configDefaultSchema } from "../request/param-schemas.js";
import { paramNamed, paramRows, type Param, type ParamName } from "../request/param-table.js";

// Messages are written for operators: the loader prints "<key>: <message>, got <value>".
const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "expected a lowercase slug of 1 to 32 characters");

/** Where the member's words go in a style's prompt template. */
export const promptPlaceholder = "{prompt}";

/**
 * Keys a style may preset, by their `/generate` option names (`count`, not the binding's `batch`):
 * what a member could also give. Not the prompt and the negative (the style's own keys), the
 * workflow (its own key too), the seed (a preset seed would make every image of the style alike)
 * or an input image.
 */
const ownKeys: ReadonlySet<string> = new Set(["prompt", "negative", "workflow", "style"]);
export const styleParamRows: readonly Param[] = paramRows.filter(
  (row) => !ownKeys.has(row.name) && row.whenLeftOut !== "random" && row.type.kind !== "image",
);
export type StyleParamName = Exclude<
  ParamName,
  "prompt" | "negative" | "workflow" | "style" | "seed" | "image"
>;

function styleParamSchema(row: Param): z.ZodType<string | number> {
  const schema = configDefaultSchema(row) as z.ZodType<string | number>;
  const step = row.type.kind === "integer" ? row.type.multipleOf : undefined;
  if (step === undefined) return schema;
  return schema.refine((value) => typeof value === "number" && value % step === 0, {
    error: `expected a multiple of ${step}`,
  });
}

const styleParamsShape = Object.fromEntries(
  styleParamRows.map((row) => [row.name, styleParamSchema(row).optional()]),
) as Record<StyleParamName, z.ZodOptional<z.ZodType<string | number>>>;

export const styleConfigSchema = z.strictObject({
  /** What members pick in `/generate style:` and moderators list in the `styles` setting. */
  name: slug,
  /** Shown beside the name in autocomplete. */
  description: z.string().max(100).optional(),
  /** The prompt that runs: `{prompt}` is replaced by the member's own words. */
  prompt: z
    .string()
    .max(1000)
    .refine((template) => template.includes(promptPlaceholder), {
      error: `expected a template containing ${promptPlaceholder}, where the member's prompt goes (for example "${promptPlaceholder}, watercolor painting")`,
    }),
  /** Put before the member's negative prompt (or the workflow's default one). */
  negative: z.string().max(1000).default(""),
  /** The workflow this style runs on unless the member picks one. */
  workflow: z.string().min(1).optional(),
  /** Values used when the member does not give them, where the workflow takes them. */
  params: z.strictObject(styleParamsShape).optional(),
});
export type StyleConfig = z.infer<typeof styleConfigSchema>;

const strengthType = paramNamed("lora_strength").type;
const strengthRange =
  strengthType.kind === "number" ? strengthType : { kind: "number" as const, min: -2, max: 2 };
const strengthError = `expected a number from ${strengthRange.min} to ${strengthRange.max}`;

export const loraConfigSchema = z.strictObject({
  /** What members pick in `/generate lora:`. */
  name: slug,
  /** The file in ComfyUI's `models/loras`, as its LoRA loader lists it (subfolders included). */
  file: z.string().min(1, "expected the file name as ComfyUI lists it, e.g. add_detail.safetensors"),
  /** Used when the member gives no `lora_strength`; written to the model and the CLIP strength. */
  strength: z
    .number({ error: strengthError })
    .min(strengthRange.min, { error: strengthError })
    .max(strengthRange.max, { error: strengthError })
    .default(1),
  description: z.string().max(100).optional(),
});
export type LoraConfig = z.infer<typeof loraConfigSchema>;

/** One cross-reference in `styles`/`loras` that cannot work, for the config's problem list. */
export interface PresetConflict {
  path: (string | number)[];
  message: string;
  value: unknown;
}

/**
 * What the keys cannot check alone: names given twice, a style's workflow or LoRA that is not
 * configured. Each problem names the exact key, like every other config problem.
 */
export function presetConflicts(config: {
  workflows: readonly { name: string }[];
  styles: readonly StyleConfig[];
  loras: readonly LoraConfig[];
}): PresetConflict[] {
  const conflicts: PresetConflict[] = [];
  const duplicates = (key: "styles" | "loras", names: readonly string[], what: string) => {
    names.forEach((name, index) => {
      if (names.indexOf(name) !== index) {
        conflicts.push({
          path: [key, index, "name"],
          message: `another ${what} is already called "${name}"; give each entry its own name`,
          value: name,
        });
      }
    });
  };
  duplicates(
    "styles",
    config.styles.map((style) => style.name),
    "style",
  );
  duplicates(
    "loras",
    config.loras.map((lora) => lora.name),
    "LoRA",
  );
  const workflows = config.workflows.map((workflow) => workflow.name);
  const loras = config.loras.map((lora) => lora.name);
  config.styles.forEach((style, index) => {
    if (style.workflow !== undefined && !workflows.includes(style.workflow)) {
      conflicts.push({
        path: ["styles", index, "workflow"],
        message: `expected the name of a workflow under "workflows" (${listOrNone(workflows)})`,
        value: style.workflow,
      });
    }
    const lora = style.params?.lora;
    if (typeof lora === "string" && !loras.includes(lora)) {
      conflicts.push({
        path: ["styles", index, "params", "lora"],
        message: `expected the name of a LoRA under "loras" (${listOrNone(loras)}), not its file`,
        value: lora,
      });
    }
  });
  return conflicts;
}

function listOrNone(names: readonly string[]): string {
  return names.length === 0 ? "there are none" : names.join(", ");
}
