import type { Logger } from "pino";
import type { Job, JobError } from "./job.js";
import type { RunOutputFile } from "./ports.js";

/** What subscribers (the Discord layer) hear about a job. `job` is a snapshot. */
export type QueueEvent =
  | { type: "queued"; job: Job; position: number; etaMs: number }
  /** Sent when a waiting job's place in line changed (coalesced, not on every change). */
  | { type: "position"; job: Job; position: number; etaMs: number }
  | { type: "staged"; job: Job; backend: string }
  | { type: "started"; job: Job; backend: string }
  | { type: "node"; job: Job; nodeId: string; nodeType?: string | undefined }
  /** `overall` is 0..1 over the whole job; `etaMs` the expected time left. */
  | { type: "progress"; job: Job; value: number; max: number; overall: number; etaMs: number }
  | { type: "preview"; job: Job; image: Uint8Array; contentType: string }
  /** ComfyUI lost the prompt; the job waits in line again. */
  | { type: "requeued"; job: Job; error: JobError }
  | { type: "succeeded"; job: Job; files: RunOutputFile[] }
  | { type: "failed"; job: Job; error: JobError }
  | { type: "cancelled"; job: Job; byModerator: boolean };

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
