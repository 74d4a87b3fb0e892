import { ComfyError } from "./comfy-error.js";
import type { ComfyHttp } from "./comfy-http.js";
import type { ComfyOutputImage } from "./comfy-job-events.js";
import {
  historyCachedNodes,
  historyErrorDetails,
  historyOutcome,
  type HistoryEntry,
  type ImageRef,
} from "./comfy-responses.js";
import type { Terminal } from "./prompt-run.js";

export interface CollectOptions {
  /** Per image (`comfy.maxOutputBytes`). */
  maxBytes: number;
  /** Images per job (`comfy.maxOutputsPerJob`). */
  maxOutputs: number;
  /** All images of the job together (`comfy.maxOutputBytesPerJob`). */
  maxTotalBytes: number;
  downloadTimeoutMs: number;
  signal?: AbortSignal;
}

/** What the frames of a finished prompt said; history completes it when the socket missed something. */
export interface FinishedRun {
  readonly promptId: string;
  readonly terminal: Terminal | undefined;
  readonly executedOutputs: ReadonlyMap<string, ImageRef[]>;
  readonly cachedNodes: readonly string[];
}

/**
 * Judges a finished prompt and downloads its images: `execution_error` → comfy_execution, an interrupt →
 * comfy_interrupted, success → the reconciled outputs. `entry` is the history entry when the caller has it.
 */
export async function collectOutputs(
  http: ComfyHttp,
  run: FinishedRun,
  entry: HistoryEntry | undefined,
  options: CollectOptions,
): Promise<{ images: ComfyOutputImage[]; cachedNodes: string[] }> {
  const history = entry ?? (await historyWithRetry(http, run.promptId));
  const recorded = history ? historyOutcome(history) : undefined;
  const failure =
    run.terminal?.kind === "error"
      ? run.terminal.details
      : recorded?.kind === "error"
        ? historyErrorDetails(recorded.data)
        : undefined;
  if (failure) {
    const message = `${failure.nodeType || "node"} failed: ${failure.exceptionMessage.trim()}`;
    throw new ComfyError("comfy_execution", message, { execution: failure });
  }
  if (run.terminal?.kind === "interrupted" || recorded?.kind === "interrupted") {
    throw new ComfyError("comfy_interrupted", "interrupted on the server");
  }
  const cachedNodes =
    run.cachedNodes.length === 0 && history ? historyCachedNodes(history) : [...run.cachedNodes];
  const images = await downloadOutputs(http, reconcileOutputs(history, run.executedOutputs), options);
  return { images, cachedNodes };
}

/**
 * Reads `/history/{id}` with a few short retries: `execution_success` is sent before ComfyUI writes history
 * (ComfyUI #11540), so the first read right after it can be `{}`.
 */
export async function historyWithRetry(
  http: ComfyHttp,
  promptId: string,
  delaysMs: readonly number[] = [0, 50, 150, 400, 1000],
): Promise<HistoryEntry | undefined> {
  for (const delay of delaysMs) {
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    const entry = await http.getHistory(promptId);
    if (entry) return entry;
  }
  return undefined;
}

/**
 * The image references of a finished prompt: history is the record (it survives a socket that missed
 * `executed`), the `executed` frames fill in nodes history lacks.
 */
export function reconcileOutputs(
  history: HistoryEntry | undefined,
  executed: ReadonlyMap<string, ImageRef[]>,
): Array<{ nodeId: string; ref: ImageRef }> {
  const byNode = new Map<string, ImageRef[]>(executed);
  for (const [nodeId, output] of Object.entries(history?.outputs ?? {})) {
    if (output.images && output.images.length > 0) byNode.set(nodeId, output.images);
  }
  const all = [...byNode].flatMap(([nodeId, refs]) => refs.map((ref) => ({ nodeId, ref })));
  // Saved images are the result; temp ones (PreviewImage) only count when nothing was saved.
  const saved = all.filter((item) => item.ref.type === "output");
  return saved.length > 0 ? saved : all;
}

async function downloadOutputs(
  http: ComfyHttp,
  refs: Array<{ nodeId: string; ref: ImageRef }>,
  options: CollectOptions,
): Promise<ComfyOutputImage[]> {
  if (refs.length > options.maxOutputs) {
    throw new ComfyError(
      "comfy_output_too_large",
      `the prompt produced ${refs.length} images, more than ${options.maxOutputs} (comfy.maxOutputsPerJob)`,
    );
  }
  // The downloads run side by side and share one budget; the first to fail stops the others,
  // so a job over its total frees what it holds at once.
  let total = 0;
  const budget = {
    take(bytes: number): void {
      total += bytes;
      if (total > options.maxTotalBytes) {
        throw new ComfyError(
          "comfy_output_too_large",
          `the prompt's images add up to more than ${options.maxTotalBytes} bytes (comfy.maxOutputBytesPerJob)`,
        );
      }
    },
  };
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  return Promise.all(
    refs.map(async ({ nodeId, ref }) => {
      try {
        const { bytes, mime } = await http.view(ref, {
          maxBytes: options.maxBytes,
          timeoutMs: options.downloadTimeoutMs,
          signal,
          budget,
        });
        if (bytes.length === 0) throw new ComfyError("comfy_bad_response", `output ${ref.filename} is empty`);
        return { nodeId, filename: ref.filename, subfolder: ref.subfolder, type: ref.type, mime, bytes };
      } catch (error) {
        stop.abort();
        throw error;
      }
    }),
  );
}
