import { z } from "zod";

/**
 * Schemas for every ComfyUI HTTP response the client reads (shapes from the 0.3.64 traces).
 * Objects are loose: servers add fields between versions and we only type what we use.
 */

export const imageRefSchema = z.looseObject({
  filename: z.string(),
  subfolder: z.string().default(""),
  type: z.string().default("output"),
});
export type ImageRef = z.infer<typeof imageRefSchema>;

const nodeErrorSchema = z.looseObject({
  class_type: z.string().optional(),
  dependent_outputs: z.array(z.unknown()).optional(),
  errors: z
    .array(
      z.looseObject({
        type: z.string().optional(),
        message: z.string().optional(),
        details: z.string().optional(),
        extra_info: z.unknown().optional(),
      }),
    )
    .default([]),
});

export const promptAcceptedSchema = z.looseObject({
  prompt_id: z.string(),
  number: z.number(),
  node_errors: z.record(z.string(), nodeErrorSchema).default({}),
});
export type PromptAccepted = z.infer<typeof promptAcceptedSchema>;

export const promptRejectedSchema = z.looseObject({
  error: z.union([
    z.looseObject({
      type: z.string().default("unknown"),
      message: z.string().default(""),
      details: z.string().default(""),
    }),
    z.string().transform((message) => ({ type: "unknown", message, details: "" })),
  ]),
  node_errors: z.record(z.string(), nodeErrorSchema).default({}),
});

/** `[number, prompt_id, prompt, extra_data, outputs_to_execute]`. */
const queueItemSchema = z
  .tuple([z.number(), z.string()], z.unknown())
  .transform(([number, promptId, prompt, extraData]) => ({ number, promptId, prompt, extraData }));
export type QueueItem = z.infer<typeof queueItemSchema>;

export const queueSchema = z
  .looseObject({
    queue_running: z.array(queueItemSchema).default([]),
    queue_pending: z.array(queueItemSchema).default([]),
  })
  .transform((queue) => ({ running: queue.queue_running, pending: queue.queue_pending }));
export type QueueSnapshot = z.infer<typeof queueSchema>;

const historyEntrySchema = z.looseObject({
  prompt: z.array(z.unknown()).optional(),
  outputs: z.record(z.string(), z.looseObject({ images: z.array(imageRefSchema).optional() })).default({}),
  status: z
    .looseObject({
      status_str: z.string().optional(),
      completed: z.boolean().optional(),
      messages: z.array(z.tuple([z.string(), z.unknown()])).default([]),
    })
    .optional(),
});
export const historySchema = z.record(z.string(), historyEntrySchema);
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

export const systemStatsSchema = z.looseObject({
  system: z.looseObject({ comfyui_version: z.string().optional() }),
  devices: z
    .array(
      z.looseObject({
        name: z.string().optional(),
        type: z.string().optional(),
        vram_total: z.number().optional(),
        vram_free: z.number().optional(),
      }),
    )
    .default([]),
});
export type SystemStats = z.infer<typeof systemStatsSchema>;

export const featuresSchema = z.looseObject({
  supports_preview_metadata: z.boolean().optional(),
  max_upload_size: z.number().optional(),
});
export type ServerFeatures = z.infer<typeof featuresSchema>;

/** How a finished history entry ended, from its last status message. */
export type HistoryOutcome =
  { kind: "success" } | { kind: "interrupted" } | { kind: "error"; data: Record<string, unknown> };

export function historyOutcome(entry: HistoryEntry): HistoryOutcome {
  const messages = entry.status?.messages ?? [];
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const [event, data] = messages[i]!;
    if (event === "execution_success") return { kind: "success" };
    if (event === "execution_interrupted") return { kind: "interrupted" };
    if (event === "execution_error") {
      const record = typeof data === "object" && data !== null ? (data as Record<string, unknown>) : {};
      return { kind: "error", data: record };
    }
  }
  // No terminal message (very old servers): fall back on status_str.
  return entry.status?.status_str === "error" ? { kind: "error", data: {} } : { kind: "success" };
}

/** `execution_error` data from a history entry, in the shape of `ComfyExecutionDetails`. */
export function historyErrorDetails(data: Record<string, unknown>): {
  nodeId: string;
  nodeType: string;
  exceptionType: string;
  exceptionMessage: string;
  traceback: string[];
} {
  const text = (value: unknown): string =>
    typeof value === "string" || typeof value === "number" ? String(value) : "";
  return {
    nodeId: text(data.node_id),
    nodeType: text(data.node_type),
    exceptionType: text(data.exception_type),
    exceptionMessage: text(data.exception_message),
    traceback: Array.isArray(data.traceback) ? data.traceback.map(String) : [],
  };
}

/** The cached node ids recorded in a history entry's `execution_cached` message. */
export function historyCachedNodes(entry: HistoryEntry): string[] {
  const cached = entry.status?.messages.find(([event]) => event === "execution_cached")?.[1];
  const nodes =
    typeof cached === "object" && cached !== null ? (cached as { nodes?: unknown }).nodes : undefined;
  return Array.isArray(nodes) ? nodes.map(String) : [];
}
