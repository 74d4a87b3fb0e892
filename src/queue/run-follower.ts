import type { Logger } from "pino";
import type { Dispatcher, RunEvent, RunOutputs } from "./dispatcher.js";
import { RunError } from "./dispatcher.js";
import type { EtaModel } from "./eta-model.js";
import type { JobError } from "./job-error.js";
import type { InFlightJob } from "./job.js";

/** How a followed run ended; runs stopped by `detachAll()` end with no outcome. */
export type RunOutcome =
  | { kind: "succeeded"; outputs: RunOutputs; durationMs: number | undefined; msPerStep: number | undefined }
  | { kind: "failed"; error: JobError; retryable: boolean };

/** What a run reports on its way, with the remaining-time estimate already worked out. */
export type FollowedEvent =
  /** ComfyUI runs the prompt (its first sign of life after the submit). */
  | { type: "started" }
  | { type: "node"; nodeId: string; nodeType?: string | undefined }
  /** `overall` is 0..1 over the whole job; `etaMs` the expected time left. */
  | { type: "progress"; value: number; max: number; overall: number; etaMs: number }
  | { type: "preview"; image: Uint8Array; contentType: string };

export interface RunFollowerDeps {
  dispatcher: Pick<Dispatcher, "run" | "attach">;
  eta: Pick<EtaModel, "expectedMs" | "msPerStep">;
  logger: Logger;
  now: () => number;
  onEvent: (jobId: string, event: FollowedEvent) => void;
  onOutcome: (jobId: string, outcome: RunOutcome) => Promise<void>;
  /** The run settled, whatever the outcome: its backend slot is free. */
  onSettled: (jobId: string) => void;
}

interface Followed {
  job: InFlightJob;
  controller: AbortController;
  settled: Promise<void>;
  detached: boolean;
  started: boolean;
  startedAt: number | undefined;
  firstProgress?: { at: number; value: number };
  lastProgress?: { at: number; value: number; max: number };
}

/**
 * Follows prompts handed to backends until they end: turns the backend's run events into
 * followed events with remaining-time estimates, and its settlement into one outcome. It never
 * changes a job: the queue does, through `transition()`, from what this reports.
 */
export class RunFollower {
  readonly #deps: RunFollowerDeps;
  readonly #runs = new Map<string, Followed>();
  /** After shutdown: nothing more is submitted or followed. */
  #detached = false;

  constructor(deps: RunFollowerDeps) {
    this.#deps = deps;
  }

  get size(): number {
    return this.#runs.size;
  }

  /** Follows a run; `attach` is for prompts submitted before a restart. */
  follow(job: InFlightJob, mode: "run" | "attach"): void {
    const { dispatcher, logger } = this.#deps;
    if (this.#detached) {
      // A staging stored after shutdown began: submitting now would leave a prompt nobody
      // follows, whose "host gone" could put the job back in line to run twice. Stored as
      // staged, it is found by the next start (by its prompt id, or requeued when ComfyUI never
      // had it).
      logger.info({ jobId: job.id, promptId: job.run.promptId }, "not submitted: shutting down");
      return;
    }
    const controller = new AbortController();
    const followed: Followed = {
      job,
      controller,
      settled: Promise.resolve(),
      detached: false,
      started: job.state === "running",
      startedAt: job.run.startedAt,
    };
    this.#runs.set(job.id, followed);
    const ctx = { signal: controller.signal, onEvent: (event: RunEvent) => this.#onEvent(followed, event) };
    let running: Promise<RunOutputs>;
    try {
      running = mode === "run" ? dispatcher.run(job, ctx) : dispatcher.attach(job, ctx);
    } catch (error) {
      running = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    followed.settled = running
      .then(
        async (outputs) => this.#settle(followed, this.#succeeded(followed, outputs)),
        async (error: unknown) => this.#settle(followed, this.#failed(followed, error)),
      )
      .catch((error: unknown) => logger.error({ err: error, jobId: job.id }, "settling a run failed"))
      .finally(() => {
        this.#runs.delete(job.id);
        this.#deps.onSettled(job.id);
      });
  }

  /** Shutdown: stop following prompts without touching them on the server or in the store. */
  detachAll(): void {
    this.#detached = true;
    for (const followed of this.#runs.values()) {
      followed.detached = true;
      followed.controller.abort(new Error("the bot is shutting down"));
    }
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.#runs.values()].map(async (followed) => followed.settled));
  }

  /** Expected time until every followed job is done, summed over backends. */
  remainingMs(): number {
    let total = 0;
    for (const followed of this.#runs.values()) total += this.#remaining(followed);
    return total;
  }

  /** Expected time left of one followed job. */
  remainingOf(jobId: string): number | undefined {
    const followed = this.#runs.get(jobId);
    return followed ? Math.round(this.#remaining(followed)) : undefined;
  }

  #remaining(followed: Followed): number {
    const { eta, now } = this.#deps;
    const expected = eta.expectedMs(followed.job, followed.job.run.backend);
    const { lastProgress } = followed;
    if (!lastProgress) {
      const started = followed.startedAt;
      return started === undefined ? expected : Math.max(0, expected - (now() - started));
    }
    const perStep =
      measuredMsPerStep(followed) ??
      eta.msPerStep(followed.job, followed.job.run.backend) ??
      expected / lastProgress.max;
    return Math.max(0, (lastProgress.max - lastProgress.value) * perStep);
  }

  #onEvent(followed: Followed, event: RunEvent): void {
    if (followed.detached) return;
    const { onEvent, now } = this.#deps;
    const jobId = followed.job.id;
    // Any sign of execution means ComfyUI runs the prompt, even when "started" itself was missed.
    if (event.type !== "submitted" && !followed.started) {
      followed.started = true;
      followed.startedAt = now();
      onEvent(jobId, { type: "started" });
    }
    switch (event.type) {
      case "submitted":
      case "started":
        return;
      case "node":
        onEvent(jobId, { type: "node", nodeId: event.nodeId, nodeType: event.nodeType });
        return;
      case "progress": {
        const at = now();
        if (!followed.firstProgress || event.value < (followed.lastProgress?.value ?? 0)) {
          followed.firstProgress = { at, value: event.value };
        }
        followed.lastProgress = { at, value: event.value, max: event.max };
        const overall = event.overall ?? (event.max > 0 ? Math.min(1, event.value / event.max) : 0);
        const etaMs = this.#remaining(followed);
        onEvent(jobId, { type: "progress", value: event.value, max: event.max, overall, etaMs });
        return;
      }
      case "preview":
        onEvent(jobId, { type: "preview", image: event.image, contentType: event.contentType });
        return;
    }
  }

  #succeeded(followed: Followed, outputs: RunOutputs): RunOutcome {
    const started = followed.startedAt ?? followed.job.run.stagedAt;
    return {
      kind: "succeeded",
      outputs,
      durationMs: this.#deps.now() - started,
      msPerStep: measuredMsPerStep(followed),
    };
  }

  #failed(followed: Followed, error: unknown): RunOutcome {
    if (error instanceof RunError) {
      return { kind: "failed", error: error.toJobError(), retryable: error.retryable };
    }
    // Not a RunError: a bug in a dispatcher. The job fails with `internal`; the log has the error.
    this.#deps.logger.error({ err: error, jobId: followed.job.id }, "run failed without a RunError");
    const message = error instanceof Error ? error.message : String(error);
    return { kind: "failed", error: { code: "internal", message }, retryable: false };
  }

  async #settle(followed: Followed, outcome: RunOutcome): Promise<void> {
    // Stopped by shutdown: the prompt stays in ComfyUI, and the next start reattaches it.
    if (followed.detached) return;
    await this.#deps.onOutcome(followed.job.id, outcome);
  }
}

/** Milliseconds per sampler step, measured from this run's progress events. */
function measuredMsPerStep(followed: Followed): number | undefined {
  const { firstProgress, lastProgress } = followed;
  return firstProgress && lastProgress && lastProgress.value > firstProgress.value
    ? (lastProgress.at - firstProgress.at) / (lastProgress.value - firstProgress.value)
    : undefined;
}
