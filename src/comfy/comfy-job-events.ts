import type { ApiPrompt } from "./api-prompt.js";

export type { ApiPrompt } from "./api-prompt.js";

/** What a running prompt reports to its owner, in order. Frames of other prompts never appear here. */
export type ComfyJobEvent =
  /** Accepted into ComfyUI's queue; `number` is ComfyUI's server-wide queue counter. */
  | { type: "submitted"; number: number }
  | { type: "started" }
  /** Nodes served from ComfyUI's cache (often all of them on an unchanged reroll). */
  | { type: "cached"; nodes: string[] }
  /** A node started; class type from the submitted prompt, title from its `_meta.title`. */
  | { type: "node"; nodeId: string; classType?: string; title?: string }
  /** `overall` is 0..1 across every sampler of the prompt, not just the current one. */
  | { type: "progress"; nodeId: string; value: number; max: number; overall: number }
  | { type: "preview"; mime: string; bytes: Buffer; nodeId?: string }
  | { type: "outputs"; nodeId: string; images: Array<{ filename: string; subfolder: string; type: string }> };

export interface ComfyOutputImage {
  nodeId: string;
  filename: string;
  subfolder: string;
  type: string;
  mime: string;
  bytes: Buffer;
}

export interface ComfyRunResult {
  images: ComfyOutputImage[];
  cachedNodes: string[];
  durationMs: number;
}

export interface ComfyRunRequest {
  /** Our own id, a lowercase UUID; used as ComfyUI's prompt_id so a retry can find it. */
  promptId: string;
  prompt: ApiPrompt;
  signal?: AbortSignal;
  onEvent?: (event: ComfyJobEvent) => void;
  /** Stored by ComfyUI in queue and history: lets a restarted bot recognise its prompts. */
  extraData?: Record<string, unknown>;
}

export interface ComfyAttachRequest {
  promptId: string;
  signal?: AbortSignal;
  onEvent?: (event: ComfyJobEvent) => void;
}
