import type { JobError, JobErrorCode } from "./job-error.js";
import type { InFlightJob, Job, JobRun } from "./job.js";

/** What the dispatcher says about a job right now. */
export type BackendChoice =
  /** This backend has a free slot and can run the job: hand it over now. */
  | { kind: "backend"; backendId: string }
  /** Some backend could run it, none has a free slot (or is online) now: try again later. */
  | { kind: "busy" }
  /** No configured backend can ever run it (unknown workflow, missing nodes or model). */
  | { kind: "unsupported"; message: string };

/** Progress of one run, as the queue needs it (no Discord, no ComfyUI wire format). */
export type RunEvent =
  /** ComfyUI accepted the prompt (it sits in ComfyUI's queue). */
  | { type: "submitted" }
  /** ComfyUI began executing it. */
  | { type: "started" }
  | { type: "node"; nodeId: string; nodeType?: string | undefined }
  /** `overall`, when the backend knows it, is 0..1 across every sampler of the prompt. */
  | {
      type: "progress";
      value: number;
      max: number;
      overall?: number | undefined;
      nodeId?: string | undefined;
    }
  | { type: "preview"; image: Uint8Array; contentType: string };

export interface RunOutputFile {
  nodeId: string;
  filename: string;
  subfolder: string;
  type: string;
  contentType?: string | undefined;
  data: Uint8Array;
}

export interface RunOutputs {
  files: RunOutputFile[];
}

export interface RunContext {
  /**
   * Stop *tracking* the prompt (bot shutdown): the promise should settle soon, the prompt stays
   * in ComfyUI so the next start can reattach. Cancelling on the server is `cancel()`'s job.
   */
  signal: AbortSignal;
  onEvent: (event: RunEvent) => void;
}

/**
 * How a run failed, in the queue's terms. `retryable` marks faults of the backend rather than of
 * the job (host gone, prompt lost, stuck server): the queue runs the job again, on any backend,
 * up to `maxRequeues` times. Anything else a dispatcher rejects with is a bug: the job fails with
 * `internal` and the log has the error.
 */
export class RunError extends Error {
  override readonly name = "RunError";
  readonly code: JobErrorCode;
  readonly retryable: boolean;
  /** What the member is told beyond the code (the node that raised, out of memory, which deadline). */
  readonly details: Omit<JobError, "code" | "message">;

  constructor(
    code: JobErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown; details?: Omit<JobError, "code" | "message"> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }

  toJobError(): JobError {
    return { code: this.code, message: this.message, ...this.details };
  }
}

/**
 * The queue's view of the GPU hosts. Implemented over the ComfyUI backend pool by
 * `comfy-dispatcher.ts`; tests use a small in-memory fake.
 *
 * `run`/`attach` reject with a `RunError`: the queue requeues (bounded by `maxRequeues`) one
 * marked retryable and fails the job with its code otherwise.
 */
export interface Dispatcher {
  /** Cheap check before scanning the queue: does any backend have a free slot? */
  hasFreeSlot(): boolean;
  /** Backends that are online; ETAs divide the work ahead by this. */
  onlineCount(): number;
  pickBackend(job: Job): BackendChoice;
  /**
   * Submit under `job.run.promptId` to `job.run.backend` and follow the prompt to its end. Must
   * occupy the backend's slot synchronously (before returning), since the queue picks the next
   * job right after.
   */
  run(job: InFlightJob, ctx: RunContext): Promise<RunOutputs>;
  /**
   * Follow a prompt submitted before a restart: finished → its outputs; still queued or
   * running → track it; unknown to ComfyUI → reject with a retryable `comfy_lost`. Occupies a slot.
   */
  attach(job: InFlightJob, ctx: RunContext): Promise<RunOutputs>;
  /** Remove from ComfyUI's queue, or interrupt by prompt id if it runs. Best effort. */
  cancel(run: JobRun): Promise<void>;
  /** "A slot may have freed / a backend came online": the queue tries to dispatch again. */
  onCapacity(listener: () => void): () => void;
}
