import type { BotParam } from "../config/schema.js";

/** Where a bot parameter goes in the graph: `prompt[nodeId].inputs[input]`. */
export interface Binding {
  nodeId: string;
  input: string;
}
export type Bindings = Partial<Record<BotParam, Binding>>;

/** Parses the config's `"6.inputs.text"` (the schema has already checked the shape). */
export function parseBindingPath(path: string): Binding | undefined {
  const match = /^([^.\s]+)\.inputs\.([^.\s]+)$/.exec(path);
  return match?.[1] && match[2] ? { nodeId: match[1], input: match[2] } : undefined;
}

export function formatBinding(binding: Binding): string {
  return `${binding.nodeId}.inputs.${binding.input}`;
}

/** What kind of literal each parameter needs in its bound input. */
export const paramValueKinds = {
  prompt: "string",
  negative: "string",
  model: "string",
  sampler: "string",
  scheduler: "string",
  seed: "integer",
  steps: "integer",
  width: "integer",
  height: "integer",
  batch: "integer",
  cfg: "number",
  denoise: "number",
} as const satisfies Record<BotParam, "string" | "integer" | "number">;

export function literalFits(param: BotParam, value: unknown): boolean {
  const kind = paramValueKinds[param];
  if (kind === "string") return typeof value === "string";
  if (kind === "integer") return typeof value === "number" && Number.isInteger(value);
  return typeof value === "number" && Number.isFinite(value);
}
