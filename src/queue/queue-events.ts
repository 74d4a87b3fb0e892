import type { Logger } from "pino";
import type { RunOutputFile } from "./dispatcher.js";
import type { JobError } from "./job-error.js";
import type {
  CancelledJob,
  FailedJob,
  InFlightJob,
  QueuedJob,
  RunningJob,
  StagedJob,
  SucceededJob,
} from "./job.js";

/** What subscribers (the Discord layer) hear about a job; `job` is its value at that moment. */
export type QueueEvent =
  | { type: "queued"; job: QueuedJob; position: number; etaMs: number }
  /** Sent when a waiting job's place in line changed (coalesced, not on every change). */
  | { type: "position"; job: QueuedJob; position: number; etaMs: number }
  | { type: "staged"; job: StagedJob; backend: string }
  | { type: "started"; job: RunningJob; backend: string }
  | { type: "node"; job: InFlightJob; nodeId: string; nodeType?: string | undefined }
  /** `overall` is 0..1 over the whole job; `etaMs` the expected time left. */
  | { type: "progress"; job: InFlightJob; value: number; max: number; overall: number; etaMs: number }
  | { type: "preview"; job: InFlightJob; image: Uint8Array; contentType: string }
  /** ComfyUI lost the prompt; the job waits in line again. */
  | { type: "requeued"; job: QueuedJob; error: JobError }
  | { type: "succeeded"; job: SucceededJob; files: readonly RunOutputFile[] }
  | { type: "failed"; job: FailedJob; error: JobError }
  | { type: "cancelled"; job: CancelledJob; byModerator: boolean };

export type QueueEventType = QueueEvent["type"];
export type QueueListener = (event: QueueEvent) => void | Promise<void>;

/**
 * Fan-out that never lets a subscriber hold up the queue: listeners are called without
 * awaiting, and a throw or a rejected promise is logged, not propagated.
 */
export class QueueEvents {
  readonly #listeners = new Set<QueueListener>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: QueueListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: QueueEvent): void {
    for (const listener of this.#listeners) {
      try {
        const result = listener(event);
        if (result instanceof Promise) {
          result.catch((error: unknown) => this.#report(error, event));
        }
      } catch (error) {
        this.#report(error, event);
      }
    }
  }

  #report(error: unknown, event: QueueEvent): void {
    this.#logger.error({ err: error, event: event.type, jobId: event.job.id }, "queue subscriber failed");
  }
}
