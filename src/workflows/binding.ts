import type { InputDescription } from "../comfy/object-info.js";
import type { ParamType } from "../request/param-row.js";
import { jsonKindOf } from "../request/param-schemas.js";
import { paramBoundTo, type BindingName } from "../request/param-table.js";

/** Where a bot parameter goes in the graph: `prompt[nodeId].inputs[input]`. */
export interface Binding {
  nodeId: string;
  input: string;
}
/** Keyed by the config's `workflows[].bindings` names (`batch`, not `count`). */
export type Bindings = Partial<Record<BindingName, Binding>>;

/** Parses the config's `"6.inputs.text"` (the schema has already checked the shape). */
export function parseBindingPath(path: string): Binding | undefined {
  const match = /^([^.\s]+)\.inputs\.([^.\s]+)$/.exec(path);
  return match?.[1] && match[2] ? { nodeId: match[1], input: match[2] } : undefined;
}

export function formatBinding(binding: Binding): string {
  return `${binding.nodeId}.inputs.${binding.input}`;
}

/** What kind of literal a binding needs in its input: text, a whole number or a number. */
export function valueKindOf(binding: BindingName): "string" | "integer" | "number" {
  return jsonKindOf(paramBoundTo(binding).type);
}

export function literalFits(binding: BindingName, value: unknown): boolean {
  const kind = valueKindOf(binding);
  if (kind === "string") return typeof value === "string";
  if (kind === "integer") return typeof value === "number" && Number.isInteger(value);
  return typeof value === "number" && Number.isFinite(value);
}

/** "text", "a whole number", "a number": for messages about a literal of the wrong kind. */
export function describeValueKind(binding: BindingName): string {
  const kind = valueKindOf(binding);
  return kind === "string" ? "text" : kind === "integer" ? "a whole number" : "a number";
}

/**
 * The ComfyUI input kinds a parameter can drive: a prompt bound to an INT would never work, while
 * a name (a checkpoint) may be a COMBO or a plain STRING input.
 */
export function acceptedInputKinds(binding: BindingName): readonly InputDescription["kind"][] {
  return inputKindsFor(paramBoundTo(binding).type);
}

function inputKindsFor(type: ParamType): readonly InputDescription["kind"][] {
  switch (type.kind) {
    case "text":
      return ["STRING"];
    case "name":
    case "choice":
    case "image":
      return ["COMBO", "STRING"];
    case "integer":
      return ["INT"];
    case "number":
      return ["FLOAT", "INT"];
  }
}
