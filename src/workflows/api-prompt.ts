import { z } from "zod";

/**
 * A ComfyUI graph in "Export (API)" format: node id → node. This is also the body of
 * `POST /prompt {prompt}`; the UI format (`nodes`, `links`, `widgets_values`) is a different thing.
 */
export type ApiPrompt = Record<string, ApiNode>;
export interface ApiNode {
  class_type: string;
  inputs: Record<string, unknown>;
  _meta?: { title?: string };
}

const apiNodeSchema = z.looseObject({
  class_type: z.string().min(1),
  inputs: z.record(z.string(), z.unknown()).default({}),
  _meta: z.looseObject({ title: z.string().optional() }).optional(),
});

/** A link to output `index` of node `nodeId`, as the API format writes it: `["4", 1]`. */
export interface Link {
  nodeId: string;
  index: number;
}

/** `["4", 0]` is a link; any other value is a literal. Some exporters write the id as a number. */
export function asLink(value: unknown): Link | undefined {
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [nodeId, index] = value as [unknown, unknown];
  if ((typeof nodeId !== "string" && typeof nodeId !== "number") || typeof index !== "number")
    return undefined;
  return { nodeId: String(nodeId), index };
}

export type ParsedGraph =
  { ok: true; prompt: ApiPrompt } | { ok: false; reason: "ui_format" | "not_api_format"; detail: string };

/** Tells the two export formats apart and checks the API one node by node. */
export function parseApiPrompt(json: unknown): ParsedGraph {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { ok: false, reason: "not_api_format", detail: "the top level is not a JSON object" };
  }
  const record = json as Record<string, unknown>;
  if (Array.isArray(record.nodes) || Array.isArray(record.links)) {
    return { ok: false, reason: "ui_format", detail: 'it has "nodes" and "links"' };
  }
  const prompt: ApiPrompt = {};
  for (const [nodeId, node] of Object.entries(record)) {
    if (typeof node === "object" && node !== null && "widgets_values" in node) {
      return { ok: false, reason: "ui_format", detail: `node ${nodeId} has "widgets_values"` };
    }
    const parsed = apiNodeSchema.safeParse(node);
    if (!parsed.success) {
      return {
        ok: false,
        reason: "not_api_format",
        detail: `entry "${nodeId}" is not a node with a "class_type" and "inputs"`,
      };
    }
    const apiNode: ApiNode = { class_type: parsed.data.class_type, inputs: parsed.data.inputs };
    const title = parsed.data._meta?.title;
    if (title !== undefined) apiNode._meta = { title };
    prompt[nodeId] = apiNode;
  }
  if (Object.keys(prompt).length === 0) {
    return { ok: false, reason: "not_api_format", detail: "it contains no nodes" };
  }
  return { ok: true, prompt };
}

/** "3 (KSampler)" for messages. */
export function describeNode(prompt: ApiPrompt, nodeId: string): string {
  const node = prompt[nodeId];
  return node ? `node ${nodeId} (${node.class_type})` : `node ${nodeId}`;
}
