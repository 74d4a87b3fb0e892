import type { Logger } from "pino";
import type { BackendPool, BackendRequirements } from "../comfy/backend-pool.js";
import type { ComfyBackend } from "../comfy/comfy-backend.js";
import { ComfyError, isComfyError } from "../comfy/comfy-error.js";
import { WorkflowError } from "../workflows/workflow-error.js";
import type { ComfyJobEvent, ComfyRunResult } from "../comfy/comfy-job-events.js";
import { checkJobParams } from "../workflows/check-job-params.js";
import type { WorkflowTemplate } from "../workflows/workflow-template.js";
import {
  RunError,
  type BackendChoice,
  type Dispatcher,
  type RunContext,
  type RunEvent,
  type RunOutputs,
} from "../queue/dispatcher.js";
import type { JobErrorCode } from "../queue/job-error.js";
import type { InFlightJob, Job, JobRun } from "../queue/job.js";

export interface ComfyDispatcherOptions {
  pool: BackendPool;
  /** The configured workflows by name. */
  templates: ReadonlyMap<string, WorkflowTemplate>;
  logger: Logger;
  /** Must match the pool's `slotsPerBackend` (default 2: one running, one staged). */
  slotsPerBackend?: number;
  /**
   * Re-checks a waiting job against the channel's current rules just before it is sent
   * (moderators may have changed them meanwhile); returns the member's words when refused.
   * Synchronous, because `run` must take the backend's slot before it awaits anything.
   */
  recheck?: (job: Job) => string | undefined;
}

/**
 * The queue's Dispatcher over the real ComfyUI backend pool: eligibility and slots come from the
 * pool, the prompt from the job's workflow template, built for the chosen backend.
 *
 * The queue's signal means "stop following" (shutdown), while the backend's signal cancels on
 * the server; so the signal is not passed down: the returned promise just rejects, and the
 * prompt stays in ComfyUI for the next start to reattach.
 */
export class ComfyDispatcher implements Dispatcher {
  readonly #pool: BackendPool;
  readonly #templates: ReadonlyMap<string, WorkflowTemplate>;
  readonly #logger: Logger;
  readonly #slots: number;
  readonly #recheck: ((job: Job) => string | undefined) | undefined;

  constructor(options: ComfyDispatcherOptions) {
    this.#pool = options.pool;
    this.#templates = options.templates;
    this.#logger = options.logger;
    this.#slots = options.slotsPerBackend ?? 2;
    this.#recheck = options.recheck;
  }

  hasFreeSlot(): boolean {
    return this.#pool.backends.some(
      (backend) =>
        backend.health.online && !this.#pool.breakerOpen(backend.id) && backend.inFlight < this.#slots,
    );
  }

  onlineCount(): number {
    return this.#pool.backends.filter((backend) => backend.health.online).length;
  }

  pickBackend(job: Job): BackendChoice {
    const template = this.#templates.get(job.workflow);
    if (!template)
      return { kind: "unsupported", message: `the workflow "${job.workflow}" is not configured` };
    const requirements = this.#requirements(job, template);
    if (!this.#pool.canEverRun(requirements)) {
      const model = requirements.model === undefined ? "" : ` with the model "${requirements.model}"`;
      const lora = requirements.listed?.[0] === undefined ? "" : ` and the LoRA it was asked with`;
      return { kind: "unsupported", message: `no ComfyUI server can run "${job.workflow}"${model}${lora}` };
    }
    const backend = this.#pool.choose(requirements);
    return backend ? { kind: "backend", backendId: backend.id } : { kind: "busy" };
  }

  run(job: InFlightJob, ctx: RunContext): Promise<RunOutputs> {
    const { backend: backendId, promptId } = job.run;
    const backend = this.#backend(backendId);
    const template = this.#templates.get(job.workflow);
    if (!backend || !template) {
      return Promise.reject(
        new RunError("comfy_lost", `backend ${backendId} or workflow ${job.workflow} is gone`, {
          retryable: true,
        }),
      );
    }
    const refusal = this.#recheck?.(job);
    if (refusal !== undefined) return Promise.reject(new RunError("refused", refusal));
    let prompt;
    try {
      // Built and checked at admission; the host chosen now may still lack a sampler the
      // admission host had, or have other ranges, so the values meet its specs again.
      checkJobParams(template, job.params, { objectInfo: backend.objectInfo(), request: job.request });
      prompt = template.fill(job.params);
    } catch (error) {
      return Promise.reject(toRunError(error));
    }
    // Synchronous up to here: backend.run registers the prompt (taking the slot) before it awaits.
    const running = backend.run({
      promptId,
      prompt,
      onEvent: (event) => forward(event, ctx.onEvent),
      extraData: { comfycord: { jobId: job.id } },
    });
    return untilDetached(running, ctx.signal).then(toOutputs, (error: unknown) => {
      throw toRunError(error);
    });
  }

  attach(job: InFlightJob, ctx: RunContext): Promise<RunOutputs> {
    const { backend: backendId, promptId } = job.run;
    const backend = this.#backend(backendId);
    if (!backend) {
      return Promise.reject(
        new RunError("comfy_lost", `backend ${backendId} is no longer configured`, { retryable: true }),
      );
    }
    const running = backend.attach({ promptId, onEvent: (event) => forward(event, ctx.onEvent) });
    return untilDetached(running, ctx.signal).then(toOutputs, (error: unknown) => {
      throw toRunError(error);
    });
  }

  async cancel(run: JobRun): Promise<void> {
    const backend = this.#backend(run.backend);
    if (!backend) return;
    await backend.cancel(run.promptId);
  }

  onCapacity(listener: () => void): () => void {
    const onSlotFree = (): void => listener();
    this.#pool.on("slotFree", onSlotFree);
    return () => this.#pool.off("slotFree", onSlotFree);
  }

  #backend(backendId: string): ComfyBackend | undefined {
    const backend = this.#pool.backends.find((candidate) => candidate.id === backendId);
    if (!backend) this.#logger.warn({ backend: backendId }, "job names a backend that is not configured");
    return backend;
  }

  #requirements(job: Job, template: WorkflowTemplate): BackendRequirements {
    // Only hosts that have the job's checkpoint are chosen at all.
    const model = template.offers("model") ? (job.params.model ?? template.defaultModel) : undefined;
    // Nor hosts without the LoRA file the job loads.
    const loader = template.boundInput("lora");
    const lora = job.params.lora;
    const listed = loader && lora !== undefined ? [{ ...loader, value: lora }] : [];
    return {
      classTypes: [...template.classTypes],
      ...(model === undefined ? {} : { model }),
      ...(listed.length === 0 ? {} : { listed }),
    };
  }
}

function forward(event: ComfyJobEvent, onEvent: (event: RunEvent) => void): void {
  switch (event.type) {
    case "submitted":
      return onEvent({ type: "submitted" });
    case "started":
      return onEvent({ type: "started" });
    case "node":
      return onEvent({ type: "node", nodeId: event.nodeId, nodeType: event.classType });
    case "progress":
      return onEvent({
        type: "progress",
        value: event.value,
        max: event.max,
        overall: event.overall,
        nodeId: event.nodeId,
      });
    case "preview":
      return onEvent({ type: "preview", image: event.bytes, contentType: event.mime });
    case "cached":
    case "outputs":
      return;
  }
}

/**
 * The queue's terms for a failed run. Faults of the backend (unreachable, lost, bad responses,
 * a stuck start or node, out of memory) are worth another try, possibly elsewhere; faults of
 * the job (validation, a node error, an overall timeout) are not. A workflow that no longer
 * takes the job's values (the config changed while it waited) fails it as `invalid_params`.
 */
function toRunError(error: unknown): RunError {
  if (error instanceof RunError) return error;
  if (isComfyError(error)) {
    return new RunError(jobErrorCodeOf(error), error.message, {
      retryable: error.isBackendFault,
      cause: error,
      details: {
        ...(error.execution ? { node: error.execution.nodeType } : {}),
        ...(error.isOutOfMemory ? { outOfMemory: true } : {}),
        ...(error.timeout ? { timeout: error.timeout } : {}),
      },
    });
  }
  if (error instanceof WorkflowError) return new RunError("invalid_params", error.message, { cause: error });
  return new RunError("internal", error instanceof Error ? error.message : String(error), { cause: error });
}

function jobErrorCodeOf(error: ComfyError): JobErrorCode {
  // Only we cancel, and then the job is already cancelled or the bot is shutting down.
  return error.code === "comfy_cancelled" ? "comfy_interrupted" : error.code;
}

function toOutputs(result: ComfyRunResult): RunOutputs {
  return {
    files: result.images.map((image) => ({
      nodeId: image.nodeId,
      filename: image.filename,
      subfolder: image.subfolder,
      type: image.type,
      contentType: image.mime,
      data: image.bytes,
    })),
  };
}

/** Rejects when the queue stops following; the backend keeps tracking until it is stopped. */
async function untilDetached<T>(running: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) throw new ComfyError("comfy_cancelled", "detached");
  let onAbort: (() => void) | undefined;
  const detached = new Promise<never>((_, reject) => {
    onAbort = () => reject(new ComfyError("comfy_cancelled", "detached: the bot is shutting down"));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([running, detached]);
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}
