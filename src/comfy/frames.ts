import { z } from "zod";
import { imageRefSchema, type ImageRef } from "./comfy-responses.js";

/**
 * ComfyUI WebSocket frames as a typed union. Unknown types and malformed frames parse to `undefined`
 * (custom nodes send their own types, e.g. `crystools.monitor`): never fatal.
 */
export type ComfyFrame =
  | { type: "status"; queueRemaining: number; sid?: string }
  | { type: "execution_start"; promptId: string }
  | { type: "execution_cached"; promptId: string; nodes: string[] }
  /** `promptId` is missing in the frame a reconnecting socket gets; `node: null` ends a run. */
  | { type: "executing"; promptId?: string; node: string | null }
  | { type: "progress"; promptId?: string; node?: string; value: number; max: number }
  | { type: "progress_state"; promptId: string }
  | { type: "executed"; promptId: string; node: string; images: ImageRef[] }
  | { type: "execution_success"; promptId: string }
  | {
      type: "execution_error";
      promptId: string;
      nodeId: string;
      nodeType: string;
      exceptionType: string;
      exceptionMessage: string;
      traceback: string[];
    }
  | { type: "execution_interrupted"; promptId: string; nodeId?: string; nodeType?: string }
  | { type: "feature_flags"; flags: Record<string, unknown> };

export interface PreviewFrame {
  mime: string;
  bytes: Buffer;
  /** Only in event 4 (clients that declared `supports_preview_metadata`). */
  promptId?: string;
  nodeId?: string;
}

const nodeId = z.union([z.string(), z.number().transform(String)]);
const optionalId = nodeId.nullish().transform((value) => value ?? undefined);

const dataSchemas = {
  status: z.looseObject({
    status: z.looseObject({ exec_info: z.looseObject({ queue_remaining: z.number() }) }),
    sid: z.string().optional(),
  }),
  execution_start: z.looseObject({ prompt_id: z.string() }),
  execution_cached: z.looseObject({ prompt_id: z.string(), nodes: z.array(nodeId).default([]) }),
  executing: z.looseObject({ prompt_id: z.string().nullish(), node: nodeId.nullable() }),
  progress: z.looseObject({
    prompt_id: z.string().nullish(),
    node: optionalId,
    value: z.number(),
    max: z.number(),
  }),
  progress_state: z.looseObject({ prompt_id: z.string() }),
  executed: z.looseObject({
    prompt_id: z.string(),
    node: nodeId,
    output: z.looseObject({ images: z.array(imageRefSchema).optional() }).nullish(),
  }),
  execution_success: z.looseObject({ prompt_id: z.string() }),
  execution_error: z.looseObject({
    prompt_id: z.string(),
    node_id: nodeId.default(""),
    node_type: z.string().default(""),
    exception_type: z.string().default(""),
    exception_message: z.string().default(""),
    traceback: z.array(z.string()).default([]),
  }),
  execution_interrupted: z.looseObject({
    prompt_id: z.string(),
    node_id: optionalId,
    node_type: z.string().nullish(),
  }),
  feature_flags: z.record(z.string(), z.unknown()),
};
type FrameType = keyof typeof dataSchemas;

const envelopeSchema = z.looseObject({ type: z.string(), data: z.unknown() });

function isFrameType(type: string): type is FrameType {
  return Object.hasOwn(dataSchemas, type);
}

export function parseTextFrame(text: string): ComfyFrame | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success || !isFrameType(envelope.data.type)) return undefined;
  return toFrame(envelope.data.type, envelope.data.data);
}

function toFrame(type: FrameType, data: unknown): ComfyFrame | undefined {
  switch (type) {
    case "status": {
      const d = dataSchemas.status.safeParse(data);
      if (!d.success) return undefined;
      const frame: ComfyFrame = { type, queueRemaining: d.data.status.exec_info.queue_remaining };
      if (d.data.sid !== undefined) frame.sid = d.data.sid;
      return frame;
    }
    case "execution_start":
    case "execution_success":
    case "progress_state": {
      const d = dataSchemas[type].safeParse(data);
      return d.success ? { type, promptId: d.data.prompt_id } : undefined;
    }
    case "execution_cached": {
      const d = dataSchemas.execution_cached.safeParse(data);
      return d.success ? { type, promptId: d.data.prompt_id, nodes: d.data.nodes } : undefined;
    }
    case "executing": {
      const d = dataSchemas.executing.safeParse(data);
      if (!d.success) return undefined;
      const frame: ComfyFrame = { type, node: d.data.node };
      if (d.data.prompt_id) frame.promptId = d.data.prompt_id;
      return frame;
    }
    case "progress": {
      const d = dataSchemas.progress.safeParse(data);
      if (!d.success) return undefined;
      const frame: ComfyFrame = { type, value: d.data.value, max: d.data.max };
      if (d.data.prompt_id) frame.promptId = d.data.prompt_id;
      if (d.data.node !== undefined) frame.node = d.data.node;
      return frame;
    }
    case "executed": {
      const d = dataSchemas.executed.safeParse(data);
      if (!d.success) return undefined;
      return { type, promptId: d.data.prompt_id, node: d.data.node, images: d.data.output?.images ?? [] };
    }
    case "execution_error": {
      const d = dataSchemas.execution_error.safeParse(data);
      if (!d.success) return undefined;
      return {
        type,
        promptId: d.data.prompt_id,
        nodeId: d.data.node_id,
        nodeType: d.data.node_type,
        exceptionType: d.data.exception_type,
        exceptionMessage: d.data.exception_message,
        traceback: d.data.traceback,
      };
    }
    case "execution_interrupted": {
      const d = dataSchemas.execution_interrupted.safeParse(data);
      if (!d.success) return undefined;
      const frame: ComfyFrame = { type, promptId: d.data.prompt_id };
      if (d.data.node_id !== undefined) frame.nodeId = d.data.node_id;
      if (d.data.node_type) frame.nodeType = d.data.node_type;
      return frame;
    }
    case "feature_flags": {
      const d = dataSchemas.feature_flags.safeParse(data);
      return d.success ? { type, flags: d.data } : undefined;
    }
  }
}

const previewMetadataSchema = z.looseObject({
  prompt_id: z.string().nullish(),
  node_id: optionalId,
  image_type: z.string().optional(),
});

const BinaryEvent = { previewImage: 1, previewImageWithMetadata: 4 } as const;
const legacyFormats: Record<number, string> = { 1: "image/jpeg", 2: "image/png" };

/**
 * Binary frames: a big-endian u32 event type, then for event 1 a u32 image format (1 JPEG, 2 PNG) and the image;
 * for event 4 a u32 metadata length, that much JSON (`prompt_id`, `node_id`, `image_type`), and the image.
 * Other events (3 = progress text) and truncated frames give `undefined`.
 */
export function parseBinaryFrame(frame: Buffer): PreviewFrame | undefined {
  if (frame.length < 8) return undefined;
  const event = frame.readUInt32BE(0);
  if (event === BinaryEvent.previewImage) {
    const mime = legacyFormats[frame.readUInt32BE(4)];
    return mime ? { mime, bytes: frame.subarray(8) } : undefined;
  }
  if (event === BinaryEvent.previewImageWithMetadata) {
    const length = frame.readUInt32BE(4);
    if (8 + length > frame.length) return undefined;
    let metadata: unknown;
    try {
      metadata = JSON.parse(frame.subarray(8, 8 + length).toString("utf8"));
    } catch {
      return undefined;
    }
    const parsed = previewMetadataSchema.safeParse(metadata);
    if (!parsed.success) return undefined;
    const preview: PreviewFrame = {
      mime: parsed.data.image_type ?? "image/jpeg",
      bytes: frame.subarray(8 + length),
    };
    if (parsed.data.prompt_id) preview.promptId = parsed.data.prompt_id;
    if (parsed.data.node_id !== undefined) preview.nodeId = parsed.data.node_id;
    return preview;
  }
  return undefined;
}
