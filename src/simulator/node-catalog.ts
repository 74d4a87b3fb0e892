import { readFileSync } from "node:fs";

/** One input spec as `/object_info` serves it: `[type, options?]`, where type is a string or (legacy combo) a list. */
export type InputSpec = readonly [unknown, Record<string, unknown>?];

export interface NodeSpec {
  input: {
    required?: Record<string, InputSpec>;
    optional?: Record<string, InputSpec>;
    hidden?: Record<string, unknown>;
  };
  input_order?: Record<string, string[]>;
  output: string[];
  output_is_list?: boolean[];
  output_name?: string[];
  name: string;
  display_name?: string;
  description?: string;
  python_module?: string;
  category?: string;
  output_node: boolean;
  output_tooltips?: string[];
}

/** Lists that change while the simulator runs and are substituted into the static specs. */
export interface DynamicLists {
  checkpoints: () => readonly string[];
  loras: () => readonly string[];
  upscaleModels: () => readonly string[];
  /** LoadImage's list: the image files at the top of the input folder. */
  inputFiles: () => readonly string[];
  /** folder_paths.exists_annotated_filepath: any file or folder, subfolders and `[output]` included. */
  inputExists: (name: string) => boolean;
  /** Classes this host lacks (a ComfyUI without spandrel has no upscale-model nodes). */
  hiddenClasses: () => readonly string[];
}

/**
 * A class's VALIDATE_INPUTS: ComfyUI skips the type, range and list checks of the inputs it takes
 * and reports what it returns as `custom_validation_failed`.
 */
export interface CustomValidation {
  inputs: readonly string[];
  /** True, or ComfyUI's text for the refusal. */
  check: (values: Record<string, unknown>) => true | string;
}

let cachedSpecs: Record<string, NodeSpec> | undefined;

function readSpecs(file: string): Record<string, NodeSpec> {
  return JSON.parse(readFileSync(new URL(`./object-info/${file}`, import.meta.url), "utf8")) as Record<
    string,
    NodeSpec
  >;
}

/**
 * The node specs: copied once from a real ComfyUI 0.3.64 `/object_info` (object-info/nodes.json),
 * then the classes that server lacked, written from ComfyUI's source (object-info/from-source.json).
 */
function loadSpecs(): Record<string, NodeSpec> {
  // Read beside this module so operators need nothing but the package; a `dist/` build must copy the
  // JSON and the fixtures folder next to the compiled files.
  cachedSpecs ??= { ...readSpecs("nodes.json"), ...readSpecs("from-source.json") };
  return cachedSpecs;
}

/** Node classes the simulator knows, with the live checkpoint and upload lists substituted. */
export class NodeCatalog {
  private readonly specs: Record<string, NodeSpec>;

  constructor(private readonly lists: DynamicLists) {
    this.specs = loadSpecs();
  }

  has(classType: string): boolean {
    return Object.hasOwn(this.specs, classType) && !this.lists.hiddenClasses().includes(classType);
  }

  classes(): string[] {
    return Object.keys(this.specs).filter((classType) => this.has(classType));
  }

  spec(classType: string): NodeSpec | undefined {
    if (!this.has(classType)) return undefined;
    const spec = this.specs[classType];
    if (spec === undefined) return undefined;
    switch (classType) {
      case "CheckpointLoaderSimple":
        return withLegacyCombo(spec, "ckpt_name", this.lists.checkpoints());
      case "LoadImage":
        return withLegacyCombo(spec, "image", this.lists.inputFiles());
      case "LoraLoader":
      case "LoraLoaderModelOnly":
        return withLegacyCombo(spec, "lora_name", this.lists.loras());
      case "UpscaleModelLoader":
        return withCombo(spec, "model_name", this.lists.upscaleModels());
      default:
        return spec;
    }
  }

  /** LoadImage's VALIDATE_INPUTS: the named file must exist (nodes.py); other classes have none here. */
  customValidation(classType: string): CustomValidation | undefined {
    if (classType !== "LoadImage") return undefined;
    return {
      inputs: ["image"],
      check: ({ image }) => {
        const name = String(image);
        return this.lists.inputExists(name) ? true : `Invalid image file: ${name}`;
      },
    };
  }

  /** The `/object_info` body for every class, or for one class (`{}` when unknown, like ComfyUI). */
  objectInfoJson(classType?: string): string {
    const body: Record<string, NodeSpec> = {};
    for (const name of classType === undefined ? this.classes() : [classType]) {
      const spec = this.spec(name);
      if (spec !== undefined) body[name] = spec;
    }
    return restoreBigIntegers(JSON.stringify(body));
  }
}

function withLegacyCombo(spec: NodeSpec, inputName: string, options: readonly string[]): NodeSpec {
  const required = spec.input.required ?? {};
  const extra = required[inputName]?.[1];
  // `[[...]]` stays one element: LoraLoaderModelOnly's has no options object.
  const combo: InputSpec = extra === undefined ? [[...options]] : [[...options], extra];
  return { ...spec, input: { ...spec.input, required: { ...required, [inputName]: combo } } };
}

/** The newer (V3 schema) combo, `["COMBO", {multiselect, options}]`, with the options replaced. */
function withCombo(spec: NodeSpec, inputName: string, options: readonly string[]): NodeSpec {
  const required = spec.input.required ?? {};
  const extra = required[inputName]?.[1] ?? {};
  return {
    ...spec,
    input: {
      ...spec.input,
      required: { ...required, [inputName]: ["COMBO", { ...extra, options: [...options] }] },
    },
  };
}

/**
 * JSON.parse rounds the real server's 2^64-1 and 2^63-1 bounds; put the exact wire text back so clients
 * see what ComfyUI sends (and have to cope with it).
 */
export function restoreBigIntegers(json: string): string {
  return json
    .replaceAll("18446744073709552000", "18446744073709551615")
    .replaceAll("9223372036854776000", "9223372036854775807");
}
