import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import { CircuitBreaker } from "./circuit-breaker.js";
import type { ComfyBackend } from "./comfy-backend.js";
import { checkpointNames, comboOptions } from "./object-info.js";

export interface BackendRequirements {
  /** Every `class_type` of the workflow. */
  classTypes: string[];
  /** Checkpoint file the workflow loads, if any. */
  model?: string;
  /**
   * Other files the host must list in a loader's combo (a LoRA the member picked): a host without
   * the file would refuse the prompt, so it is not chosen.
   */
  listed?: readonly { classType: string; input: string; value: string }[];
  /** Backends not to use (e.g. the one that just failed this job). */
  exclude?: string[];
}

export interface BackendPoolOptions {
  backends: ComfyBackend[];
  logger: Logger;
  breakerFailures: number;
  breakerCooldownMs: number;
  /** Our prompts per backend: one running plus one staged keeps the GPU busy and cancels cheap. */
  slotsPerBackend?: number;
  now?: () => number;
}

export interface BackendPoolEvents {
  /** A backend may take a job now (a prompt settled, a backend came online, a breaker cooled down). */
  slotFree: [{ backendId: string }];
}

/** Picks the backend for the next job: eligible, then warm (same checkpoint), then least loaded, then round robin. */
export class BackendPool extends EventEmitter<BackendPoolEvents> {
  readonly backends: readonly ComfyBackend[];
  private readonly options: BackendPoolOptions;
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly slots: number;
  private readonly now: () => number;
  private readonly cooldownTimers = new Set<NodeJS.Timeout>();
  private turn = 0;

  constructor(options: BackendPoolOptions) {
    super();
    this.options = options;
    this.backends = options.backends;
    this.slots = options.slotsPerBackend ?? 2;
    this.now = options.now ?? Date.now;
    for (const backend of options.backends) {
      this.breakers.set(
        backend.id,
        new CircuitBreaker(options.breakerFailures, options.breakerCooldownMs, this.now),
      );
      backend.on("settled", ({ error }) => this.onSettled(backend, error?.isBackendFault === true));
      // An upload the host failed says as much about it as a prompt it lost; a refused file does not.
      backend.on("uploadFailed", ({ error }) => {
        if (error.isBackendFault) this.recordFault(backend);
      });
      backend.on("health", (health) => {
        if (health.online) this.emit("slotFree", { backendId: backend.id });
      });
      backend.on("objectInfo", () => this.emit("slotFree", { backendId: backend.id }));
    }
  }

  async start(): Promise<void> {
    await Promise.all(this.backends.map((backend) => backend.start()));
  }

  async stop(): Promise<void> {
    for (const timer of this.cooldownTimers) clearTimeout(timer);
    this.cooldownTimers.clear();
    await Promise.all(this.backends.map((backend) => backend.stop()));
  }

  breakerOpen(backendId: string): boolean {
    return this.breakers.get(backendId)?.isOpen ?? false;
  }

  /** The backend for this job now, or undefined when every capable backend is busy, offline or cooling down. */
  choose(req: BackendRequirements): ComfyBackend | undefined {
    const excluded = new Set(req.exclude ?? []);
    const eligible = this.backends.filter(
      (backend) =>
        !excluded.has(backend.id) &&
        backend.health.online &&
        !this.breakerOpen(backend.id) &&
        backend.inFlight < this.slots &&
        this.capable(backend, req) === true,
    );
    if (eligible.length === 0) return undefined;
    const warm =
      req.model === undefined ? [] : eligible.filter((backend) => backend.lastCheckpoint === req.model);
    const candidates = warm.length > 0 ? warm : eligible;
    const least = Math.min(...candidates.map((backend) => backend.inFlight));
    const tied = candidates.filter((backend) => backend.inFlight === least);
    const chosen = tied[this.turn % tied.length];
    this.turn += 1;
    return chosen;
  }

  /**
   * Whether some backend could run this job at all, ignoring load, health and breakers. A backend whose
   * capabilities are unknown (never reached yet) counts as able, so a cold start does not reject jobs.
   */
  canEverRun(req: Omit<BackendRequirements, "exclude">): boolean {
    return this.backends.some((backend) => this.capable(backend, req) !== false);
  }

  /** true / false from the backend's `/object_info`; undefined when it has not been fetched. */
  private capable(backend: ComfyBackend, req: Omit<BackendRequirements, "exclude">): boolean | undefined {
    const info = backend.objectInfo();
    if (!info) return undefined;
    if (!req.classTypes.every((classType) => Object.hasOwn(info, classType))) return false;
    const listed = (req.listed ?? []).every(({ classType, input, value }) =>
      (comboOptions(info, classType, input) ?? []).includes(value),
    );
    return listed && (req.model === undefined || checkpointNames(info).includes(req.model));
  }

  /**
   * Tells the queue the backend takes jobs again once its breaker closes. Timers can fire a
   * millisecond before the clock the breaker reads says the cooldown is over: then wait the rest.
   */
  private announceWhenClosed(backendId: string, breaker: CircuitBreaker, waitMs: number): void {
    const timer = setTimeout(() => {
      this.cooldownTimers.delete(timer);
      if (breaker.isOpen)
        this.announceWhenClosed(backendId, breaker, Math.max(1, breaker.reopensAt - this.now()));
      else this.emit("slotFree", { backendId });
    }, waitMs);
    timer.unref();
    this.cooldownTimers.add(timer);
  }

  private onSettled(backend: ComfyBackend, backendFault: boolean): void {
    if (backendFault) this.recordFault(backend);
    else this.breakers.get(backend.id)?.recordSuccess();
    this.emit("slotFree", { backendId: backend.id });
  }

  private recordFault(backend: ComfyBackend): void {
    const breaker = this.breakers.get(backend.id);
    if (!breaker?.recordFailure()) return;
    this.options.logger.warn({ backend: backend.id }, "circuit breaker open: skipping backend for a while");
    this.announceWhenClosed(backend.id, breaker, this.options.breakerCooldownMs);
  }
}
