import { createHash } from "node:crypto";
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
import { extensionOf, type InputSpool } from "../queue/input-spool.js";
import type { InFlightJob, Job, JobRun } from "../queue/job.js";
import type { ApiPrompt } from "../workflows/api-prompt.js";

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
  /** Where a job's input picture is kept: it is uploaded to the host that runs the job. */
  inputs?: Pick<InputSpool, "load">;
}

/** The folder below ComfyUI's `input/` that the bot's uploads go to. */
export const uploadSubfolder = "comfycord";

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
  readonly #inputs: Pick<InputSpool, "load"> | undefined;
  /** Runs whose input picture is uploading, by prompt id: a cancel stops the upload. */
  readonly #preparing = new Map<string, AbortController>();

  constructor(options: ComfyDispatcherOptions) {
    this.#pool = options.pool;
    this.#templates = options.templates;
    this.#logger = options.logger;
    this.#slots = options.slotsPerBackend ?? 2;
    this.#recheck = options.recheck;
    this.#inputs = options.inputs;
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
    try {
      // Built and checked at admission; the host chosen now may still lack a sampler the
      // admission host had, or have other ranges, so the values meet its specs again.
      checkJobParams(template, job.params, { objectInfo: backend.objectInfo(), request: job.request });
    } catch (error) {
      return Promise.reject(toRunError(error));
    }
    const submit = (prompt: ApiPrompt) =>
      backend.run({
        promptId,
        prompt,
        onEvent: (event) => forward(event, ctx.onEvent),
        extraData: { comfycord: { jobId: job.id } },
      });
    const image = template.offers("image") ? job.params.image : undefined;
    let running;
    if (image === undefined) {
      // Synchronous up to here: backend.run registers the prompt (taking the slot) before it awaits.
      try {
        running = submit(template.fill(job.params));
      } catch (error) {
        return Promise.reject(toRunError(error));
      }
    } else {
      running = this.#runWithInput(job, backend, image, ctx.signal, (uploaded) =>
        submit(template.fill({ ...job.params, image: uploaded })),
      );
    }
    return untilDetached(running, ctx.signal).then(toOutputs, (error: unknown) => {
      throw toRunError(error);
    });
  }

  /**
   * A job with an input picture: the host's slot is held at once (the queue picks the next job
   * right after `run` returns), then the picture is uploaded to this host, and the prompt is
   * submitted with the name ComfyUI gave it. Every attempt uploads again, so a job that moves to
   * another host (or runs again after a restart) finds its picture there. The file name is the
   * bytes' hash: ComfyUI keeps one copy of the same picture under the same name.
   */
  async #runWithInput(
    job: InFlightJob,
    backend: ComfyBackend,
    ref: string,
    detached: AbortSignal,
    submit: (loadImageValue: string) => Promise<ComfyRunResult>,
  ): Promise<ComfyRunResult> {
    const { promptId } = job.run;
    const release = backend.reserveSlot();
    const preparing = new AbortController();
    this.#preparing.set(promptId, preparing);
    try {
      const input = await this.#inputs?.load(ref);
      if (!input) {
        throw new RunError("input_missing", `the input picture ${ref} of job ${job.id} is not kept any more`);
      }
      const hash = createHash("sha256").update(input.bytes).digest("hex").slice(0, 32);
      const uploaded = await backend.uploadImage(input.bytes, `${hash}.${extensionOf(input.contentType)}`, {
        subfolder: uploadSubfolder,
        signal: AbortSignal.any([preparing.signal, detached]),
      });
      if (preparing.signal.aborted)
        throw new ComfyError("comfy_cancelled", "cancelled while its picture uploaded");
      if (detached.aborted) throw new ComfyError("comfy_cancelled", "detached while its picture uploaded");
      this.#logger.debug(
        { jobId: job.id, backend: backend.id, image: uploaded.loadImageValue },
        "input uploaded",
      );
      release();
      return await submit(uploaded.loadImageValue);
    } finally {
      release();
      this.#preparing.delete(promptId);
    }
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
    this.#preparing.get(run.promptId)?.abort();
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
