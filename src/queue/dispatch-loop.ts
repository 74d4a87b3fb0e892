import { snapshotJob, type Job } from "./job.js";
import type { QueueHost, RunTracker } from "./run-tracker.js";

/**
 * Hands waiting jobs to backends while one has a free slot, in fair order. Every state change is
 * persisted before it is acted on: a job is saved as `staged` with its prompt id before it is
 * submitted. A head no backend takes now is skipped for the next user's; a head no backend can
 * ever run is failed with `no_backend`.
 */
export class DispatchLoop {
  readonly #host: QueueHost;
  readonly #tracker: RunTracker;
  #pumping = false;
  #again = false;

  constructor(host: QueueHost, tracker: RunTracker) {
    this.#host = host;
    this.#tracker = tracker;
  }

  /** Dispatches while a backend has room; calls made during a pass trigger one more pass. */
  pump(): void {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    this.#loop().catch((error: unknown) => this.#host.logger.error({ err: error }, "dispatch loop failed"));
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
    const { dispatcher } = this.#host;
    while (this.#host.canDispatch() && dispatcher.hasFreeSlot()) {
      const pick = this.#pick();
      if (pick === "retry") continue;
      if (!pick) return;
      if (!(await this.#dispatch(pick.job, pick.backendId))) return;
    }
  }

  /** The first user head some backend takes now; heads no backend can ever run are failed. */
  #pick(): { job: Job; backendId: string } | "retry" | undefined {
    const { scheduler, dispatcher, logger } = this.#host;
    const unsupported: Array<[Job, string]> = [];
    let found: { job: Job; backendId: string } | undefined;
    for (const job of scheduler.heads()) {
      let choice;
      try {
        choice = dispatcher.pickBackend(job);
      } catch (error) {
        logger.error({ err: error, jobId: job.id }, "pickBackend threw; skipping the job for now");
        continue;
      }
      if (choice.kind === "backend") {
        found = { job, backendId: choice.backendId };
        break;
      }
      if (choice.kind === "unsupported") unsupported.push([job, choice.message]);
    }
    for (const [job, message] of unsupported) {
      scheduler.remove(job);
      void this.#host.finish(job, { state: "failed", error: { code: "no_backend", message } });
    }
    if (unsupported.length > 0) this.#host.changed();
    return found ?? (unsupported.length > 0 ? "retry" : undefined);
  }

  async #dispatch(job: Job, backendId: string): Promise<boolean> {
    const { scheduler, store, now, newId } = this.#host;
    scheduler.take(job);
    this.#host.changed();
    job.state = "staged";
    job.backend = backendId;
    job.promptId = newId().toLowerCase();
    job.attempts++;
    job.stagedAt = now();
    try {
      await store.save(job);
    } catch (error) {
      this.#host.logger.error(
        { err: error, jobId: job.id },
        "could not persist a staged job; it waits again",
      );
      if (job.state === "staged") {
        job.state = "queued";
        job.attempts--;
        delete job.backend;
        delete job.promptId;
        delete job.stagedAt;
        scheduler.unshift(job);
      }
      return false;
    }
    // Cancelled while the write was in flight: nothing was submitted.
    if (job.state !== "staged") return true;
    this.#host.events.emit({ type: "staged", job: snapshotJob(job), backend: backendId });
    this.#tracker.track(job, backendId, "run");
    return true;
  }
}
