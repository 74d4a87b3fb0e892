import { ComfyError, isComfyError, type ComfyTimeoutKind } from "./comfy-error.js";

export interface RequestContext {
  /** "GET /history/…", for the message. */
  label: string;
  timeoutMs: number;
  timeoutKind: ComfyTimeoutKind;
  /** The whole-request deadline. */
  deadline: AbortSignal;
  /** The caller's own signal: aborted means the caller gave up, not the host. */
  callerSignal: AbortSignal | undefined;
}

const unreachableCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_DESTROYED",
]);

/**
 * What a failed ComfyUI request means, as one of the client's closed codes: the caller gave up
 * (comfy_cancelled), the host was too slow (comfy_timeout), not there (comfy_unreachable), or
 * answered something unusable (comfy_bad_response). A ComfyError from reading the answer passes as is.
 */
export function requestFailure(error: unknown, context: RequestContext): ComfyError {
  if (isComfyError(error)) return error;
  const { label, callerSignal } = context;
  if (callerSignal?.aborted) {
    return new ComfyError("comfy_cancelled", `${label} aborted`, { cause: callerSignal.reason });
  }
  const code = (error as { code?: unknown }).code;
  if (context.deadline.aborted || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
    return new ComfyError("comfy_timeout", `${label} took over ${context.timeoutMs} ms`, {
      cause: error,
      timeout: context.timeoutKind,
    });
  }
  if (typeof code === "string" && unreachableCodes.has(code)) {
    return new ComfyError("comfy_unreachable", `${label}: ${code}`, { cause: error });
  }
  return new ComfyError("comfy_bad_response", `${label}: ${(error as Error).message}`, { cause: error });
}
