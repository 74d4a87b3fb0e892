import type { Logger } from "pino";
import type { BackendChoice } from "./dispatcher.js";

export interface DispatchLoopDeps {
  /** False while shutting down. */
  canDispatch: () => boolean;
  /** Cheap check before scanning the line: does any backend have a free slot? */
  hasFreeSlot: () => boolean;
  /** Each member's next job id, in fair service order. */
  heads: () => Iterable<string>;
  choose: (jobId: string) => BackendChoice;
  /**
   * Stages the job on the backend (stored first, then submitted). Resolves false when the
   * job could not be stored: it waits again and the loop stops for now.
   */
  dispatch: (jobId: string, backendId: string) => Promise<boolean>;
  /** No backend can ever run the job. */
  reject: (jobId: string, message: string) => void;
  logger: Logger;
  /** After a dispatch could not be stored, try again this much later even if nothing else happens. */
  retryMs?: number;
}

/**
 * Hands waiting jobs to backends while one has a free slot, in fair order. A head no backend
 * takes now is skipped for the next member's; a head no backend can ever run is rejected.
 */
export class DispatchLoop {
  readonly #deps: DispatchLoopDeps;
  #pumping = false;
  #again = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(deps: DispatchLoopDeps) {
    this.#deps = deps;
  }

  /** Dispatches while a backend has room; calls made during a pass trigger one more pass. */
  pump(): void {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    this.#loop().catch((error: unknown) => this.#deps.logger.error({ err: error }, "dispatch loop failed"));
  }

  async #loop(): Promise<void> {
    try {
      do {
        this.#again = false;
        await this.#drain();
      } while (this.#again);
    } finally {
      this.#pumping = false;
    }
  }

  async #drain(): Promise<void> {
    const deps = this.#deps;
    while (deps.canDispatch() && deps.hasFreeSlot()) {
      const pick = this.#pick();
      if (pick === "retry") continue;
      if (!pick) return;
      if (!(await deps.dispatch(pick.jobId, pick.backendId))) {
        this.#retryLater();
        return;
      }
    }
  }

  /** Stops a pending retry (shutdown). */
  stop(): void {
    clearTimeout(this.#retry);
    this.#retry = undefined;
  }

  #retryLater(): void {
    if (this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.pump();
    }, this.#deps.retryMs ?? 1000);
    this.#retry.unref();
  }

  /** The first head some backend takes now; heads no backend can ever run are rejected. */
  #pick(): { jobId: string; backendId: string } | "retry" | undefined {
    const { choose, logger } = this.#deps;
    const unsupported: Array<[string, string]> = [];
    let found: { jobId: string; backendId: string } | undefined;
    for (const jobId of this.#deps.heads()) {
      let choice: BackendChoice;
      try {
        choice = choose(jobId);
      } catch (error) {
        logger.error({ err: error, jobId }, "choosing a backend threw; the job waits");
        continue;
      }
      if (choice.kind === "backend") {
        found = { jobId, backendId: choice.backendId };
        break;
      }
      if (choice.kind === "unsupported") unsupported.push([jobId, choice.message]);
    }
    // Rejected after the walk: the line must not change while it is being iterated.
    for (const [jobId, message] of unsupported) this.#deps.reject(jobId, message);
    return found ?? (unsupported.length > 0 ? "retry" : undefined);
  }
}
