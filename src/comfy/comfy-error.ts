/**
 * The one error type of the ComfyUI client. Every I/O failure towards a backend ends up as one of these codes;
 * the code set is closed so the queue and the Discord renderer can switch over it exhaustively.
 */
export type ComfyErrorCode =
  /** Connection refused, reset, DNS: the host is not there. Safe to retry elsewhere. */
  | "comfy_unreachable"
  /**
   * `POST /prompt` refused the graph (400), or accepted only part of it (200 with node_errors);
   * or `POST /upload/image` refused the file (400, 413 past the host's upload limit).
   */
  | "comfy_validation"
  /** A node raised while running (`execution_error`). */
  | "comfy_execution"
  /** Someone else stopped the prompt (the ComfyUI UI, another client's bare interrupt). */
  | "comfy_interrupted"
  /** We stopped it: the caller's `signal` aborted, or `cancel()` was called. Not a failure for the user. */
  | "comfy_cancelled"
  /** The prompt is in neither `/queue` nor `/history` (ComfyUI restarted or the queue was cleared). */
  | "comfy_lost"
  | "comfy_timeout"
  | "comfy_output_too_large"
  /** A response that does not match its schema, an unexpected status, a missing output file. */
  | "comfy_bad_response";

export type ComfyTimeoutKind = "start" | "node_inactivity" | "overall" | "request" | "download";

/** One entry of ComfyUI's `node_errors`, as sent by `POST /prompt`. */
export interface ComfyNodeError {
  class_type?: string | undefined;
  dependent_outputs?: unknown[] | undefined;
  errors: Array<{
    type?: string | undefined;
    message?: string | undefined;
    details?: string | undefined;
    extra_info?: unknown;
  }>;
}

export interface ComfyValidationDetails {
  /** ComfyUI's top-level `error` (type `invalid_prompt`, `prompt_outputs_failed_validation`, ...). */
  error: { type: string; message: string; details: string };
  nodeErrors: Record<string, ComfyNodeError>;
}

export interface ComfyExecutionDetails {
  nodeId: string;
  nodeType: string;
  exceptionType: string;
  exceptionMessage: string;
  traceback: string[];
}

export interface ComfyErrorOptions {
  cause?: unknown;
  backendId?: string | undefined;
  promptId?: string | undefined;
  /** HTTP status when the error comes from a response. */
  status?: number | undefined;
  validation?: ComfyValidationDetails | undefined;
  execution?: ComfyExecutionDetails | undefined;
  timeout?: ComfyTimeoutKind | undefined;
}

export class ComfyError extends Error {
  override readonly name = "ComfyError";
  readonly code: ComfyErrorCode;
  readonly backendId: string | undefined;
  readonly promptId: string | undefined;
  readonly status: number | undefined;
  readonly validation: ComfyValidationDetails | undefined;
  readonly execution: ComfyExecutionDetails | undefined;
  readonly timeout: ComfyTimeoutKind | undefined;

  constructor(code: ComfyErrorCode, message: string, options: ComfyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.backendId = options.backendId;
    this.promptId = options.promptId;
    this.status = options.status;
    this.validation = options.validation;
    this.execution = options.execution;
    this.timeout = options.timeout;
  }

  /** A CUDA/torch out-of-memory: worth retrying on another backend rather than blaming the user. */
  get isOutOfMemory(): boolean {
    const text = `${this.execution?.exceptionType ?? ""} ${this.execution?.exceptionMessage ?? ""}`;
    return (
      this.code === "comfy_execution" && /OutOfMemory|out of memory|CUDA_ERROR_OUT_OF_MEMORY/i.test(text)
    );
  }

  /** Failures that say something about the backend's health (feed the circuit breaker), not about the prompt. */
  get isBackendFault(): boolean {
    return (
      this.code === "comfy_unreachable" ||
      this.code === "comfy_lost" ||
      this.code === "comfy_bad_response" ||
      (this.code === "comfy_timeout" && this.timeout !== "overall") ||
      this.isOutOfMemory
    );
  }

  /** The same error, tagged with the backend and prompt it concerns. */
  withContext(context: { backendId?: string; promptId?: string }): ComfyError {
    return new ComfyError(this.code, this.message, {
      cause: this.cause,
      backendId: context.backendId ?? this.backendId,
      promptId: context.promptId ?? this.promptId,
      status: this.status,
      validation: this.validation,
      execution: this.execution,
      timeout: this.timeout,
    });
  }
}

export function isComfyError(error: unknown): error is ComfyError {
  return error instanceof ComfyError;
}
