import type { QueuedJob } from "./job.js";

export interface PositionNotifierOptions {
  /** Least time between two passes; changes in between are coalesced into one pass. */
  intervalMs: number;
  /** Waiting jobs in dispatch order with their ETA. */
  ordered: () => Iterable<{ job: QueuedJob; etaMs: number }>;
  emit: (job: QueuedJob, position: number, etaMs: number) => void;
  /** Skip the work when nobody listens. */
  wanted: () => boolean;
}

/**
 * Tells waiting jobs that their place in line moved. One dispatch moves every job behind it, so
 * positions are recomputed in one O(jobs) pass at most once per interval and only changed ones
 * are sent: a busy queue does not turn into one event per job per dispatch.
 */
export class PositionNotifier {
  readonly #options: PositionNotifierOptions;
  readonly #last = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: PositionNotifierOptions) {
    this.#options = options;
  }

  /** The position the job's owner was last told (so `queued` counts as told). */
  told(jobId: string, position: number): void {
    this.#last.set(jobId, position);
  }

  changed(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pass();
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #pass(): void {
    if (!this.#options.wanted()) {
      this.#last.clear();
      return;
    }
    const seen = new Set<string>();
    let position = 0;
    for (const { job, etaMs } of this.#options.ordered()) {
      seen.add(job.id);
      if (this.#last.get(job.id) !== position) {
        this.#last.set(job.id, position);
        this.#options.emit(job, position, etaMs);
      }
      position++;
    }
    for (const jobId of this.#last.keys()) if (!seen.has(jobId)) this.#last.delete(jobId);
  }
}
