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
  inputFiles: () => readonly string[];
}

let cachedSpecs: Record<string, NodeSpec> | undefined;

/** The node specs extracted once from a real ComfyUI 0.3.64 `/object_info` (see object-info/nodes.json). */
function loadSpecs(): Record<string, NodeSpec> {
  // Read beside this module so operators need nothing but the package; a `dist/` build must copy the
  // JSON and the fixtures folder next to the compiled files.
  cachedSpecs ??= JSON.parse(
    readFileSync(new URL("./object-info/nodes.json", import.meta.url), "utf8"),
  ) as Record<string, NodeSpec>;
  return cachedSpecs;
}

/** Node classes the simulator knows, with the live checkpoint and upload lists substituted. */
export class NodeCatalog {
  private readonly specs: Record<string, NodeSpec>;

  constructor(private readonly lists: DynamicLists) {
    this.specs = loadSpecs();
  }

  has(classType: string): boolean {
    return Object.hasOwn(this.specs, classType);
  }

  classes(): string[] {
    return Object.keys(this.specs);
  }

  spec(classType: string): NodeSpec | undefined {
    if (!this.has(classType)) return undefined;
    const spec = this.specs[classType];
    if (spec === undefined) return undefined;
    if (classType === "CheckpointLoaderSimple")
      return withLegacyCombo(spec, "ckpt_name", this.lists.checkpoints());
    if (classType === "LoadImage") return withLegacyCombo(spec, "image", this.lists.inputFiles());
    return spec;
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
  const current = required[inputName];
  const extra = current?.[1] ?? {};
  return {
    ...spec,
    input: { ...spec.input, required: { ...required, [inputName]: [[...options], extra] } },
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
