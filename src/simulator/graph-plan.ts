import { createHash } from "node:crypto";
import type { PromptGraph } from "./prompt-validator.js";

function isLink(value: unknown): value is [string | number, number] {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    (typeof value[0] === "string" || typeof value[0] === "number")
  );
}

export function linkSource(value: unknown): { nodeId: string; index: number } | undefined {
  return isLink(value) ? { nodeId: String(value[0]), index: Number(value[1]) } : undefined;
}

/**
 * The order nodes run in: depth-first from each output, inputs before the node, in the order the inputs
 * are written. For the usual checkpoint → encode → latent → sampler → decode → save graph this matches
 * ComfyUI's order.
 */
export function executionOrder(prompt: PromptGraph, outputs: readonly string[]): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string): void => {
    if (seen.has(id)) return;
    seen.add(id);
    const node = prompt[id];
    if (node === undefined) return;
    for (const value of Object.values(node.inputs)) {
      const source = linkSource(value);
      if (source !== undefined) visit(source.nodeId);
    }
    order.push(id);
  };
  for (const output of outputs) visit(output);
  return order;
}

/**
 * Cache signatures for every node of the prompt: class type plus inputs, with links replaced by the upstream signature, so changing
 * a seed invalidates everything downstream and nothing upstream. `extra` adds what ComfyUI's IS_CHANGED
 * would (e.g. the hash of a loaded file).
 */
export function signatures(
  prompt: PromptGraph,
  extra: (classType: string, inputs: Record<string, unknown>) => string,
): Map<string, string> {
  const result = new Map<string, string>();
  const visiting = new Set<string>();
  const sign = (id: string): string => {
    const known = result.get(id);
    if (known !== undefined) return known;
    const node = prompt[id];
    // A cycle or a dangling link cannot be cached meaningfully; validation rejects these anyway.
    if (node === undefined || visiting.has(id)) return `unresolved:${id}`;
    visiting.add(id);
    const parts = Object.keys(node.inputs)
      .sort()
      .map((name) => {
        const value = node.inputs[name];
        const source = linkSource(value);
        return [name, source === undefined ? value : ["link", sign(source.nodeId), source.index]];
      });
    visiting.delete(id);
    const text = JSON.stringify([node.class_type, parts, extra(node.class_type, node.inputs)]);
    const signature = createHash("sha256").update(text).digest("hex");
    result.set(id, signature);
    return signature;
  };
  for (const id of Object.keys(prompt)) sign(id);
  return result;
}
