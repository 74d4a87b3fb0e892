import type { Logger } from "pino";
import type { MessageView } from "./message-view.js";

/** The edit scheduler's vocabulary: targets, options, error reports, stats. */

export type Cancel = () => void;
export type SetTimer = (fn: () => void, ms: number) => Cancel;
export type SendView = (view: MessageView) => Promise<void>;

export interface EditTarget {
  /** One message (e.g. the job id, or channel/message ids). */
  key: string;
  channelId: string;
}

export interface UpdateOptions {
  /** A phase change: goes ahead of plain progress in the channel's budget and is retried on failure. */
  flush?: boolean | undefined;
  /** The last state of this message: never dropped, retried on failure; later non-final updates are ignored. */
  final?: boolean | undefined;
}

export interface EditErrorInfo {
  key: string;
  channelId: string;
  final: boolean;
  attempt: number;
  willRetry: boolean;
}

export interface EditSchedulerOptions {
  /** Least time between two edits of one message (start to start). */
  minIntervalMs: number;
  /**
   * Least time before a phase change or the final state, which need not wait the full
   * `minIntervalMs`: they are few per message (queued → starting → running → done), so they fit
   * Discord's per-message budget (about 5 edits per 2 s) and the result shows up sooner.
   */
  flushIntervalMs?: number;
  /** Edits allowed per channel in any one-second window, across all its messages. */
  channelEditsPerSecond: number;
  logger: Logger;
  now?: () => number;
  setTimer?: SetTimer;
  /** Attempts for a final or flush edit whose send rejects, the first included. */
  maxAttempts?: number;
  /** Backoff before the n-th retry: base × 2^(n−1). */
  retryBaseMs?: number;
  /** False for errors no retry can fix (unknown message, missing access). */
  isRetryable?: (error: unknown) => boolean;
  onError?: (error: unknown, info: EditErrorInfo) => void;
}

export interface EditStats {
  /** Edits whose send resolved. */
  sent: number;
  /** Views replaced by a newer one before they were sent (or discarded by `close`). */
  dropped: number;
  /** Sends that rejected (each attempt counts). */
  failed: number;
  /** Updates refused because the message had already had its final state. */
  ignored: number;
}

/** Production defaults for every optional setting. */
export const editSchedulerDefaults = {
  now: Date.now,
  setTimer: (fn: () => void, ms: number): Cancel => {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return () => clearTimeout(handle);
  },
  flushIntervalMs: 400,
  maxAttempts: 5,
  retryBaseMs: 1000,
  isRetryable: (_error: unknown): boolean => true,
  onError: (_error: unknown, _info: EditErrorInfo): void => {},
} satisfies Required<Omit<EditSchedulerOptions, "minIntervalMs" | "channelEditsPerSecond" | "logger">>;

/** Defaults filled in, and option values that cannot work rejected with what was received. */
export function resolveEditSchedulerOptions(options: EditSchedulerOptions): Required<EditSchedulerOptions> {
  if (!(options.minIntervalMs >= 0)) {
    throw new RangeError(`minIntervalMs must be ≥ 0, received ${String(options.minIntervalMs)}`);
  }
  if (!(Number.isInteger(options.channelEditsPerSecond) && options.channelEditsPerSecond >= 1)) {
    throw new RangeError(
      `channelEditsPerSecond must be an integer ≥ 1, received ${String(options.channelEditsPerSecond)}`,
    );
  }
  const resolved = { ...editSchedulerDefaults, ...options };
  if (!(Number.isInteger(resolved.maxAttempts) && resolved.maxAttempts >= 1)) {
    throw new RangeError(`maxAttempts must be an integer ≥ 1, received ${String(resolved.maxAttempts)}`);
  }
  return resolved;
}
