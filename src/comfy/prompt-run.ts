import type { Logger } from "pino";
import type { ComfyError, ComfyExecutionDetails } from "./comfy-error.js";
import type { ApiPrompt, ComfyJobEvent, ComfyRunResult } from "./comfy-job-events.js";
import type { ImageRef } from "./comfy-responses.js";
import type { ComfyFrame } from "./frames.js";

export type RunPhase = "submitting" | "queued" | "running" | "finishing" | "done";
export type RunTimer = "start" | "node_inactivity" | "overall" | "cancel";
export type Terminal =
  { kind: "success" } | { kind: "error"; details: ComfyExecutionDetails } | { kind: "interrupted" };

/**
 * The state of one of our prompts on one backend: what its frames said so far, its timers, and the promise its
 * owner waits on. It owns its phase: submitting → queued → running → finishing → done, changed only by its own
 * methods. No I/O here: the tracker feeds frames in and decides what to fetch.
 */
export class PromptRun {
  readonly promptId: string;
  /** The socket clientId the prompt was submitted under; frames reach us only while it is the current one. */
  readonly clientId: string;
  readonly startedAt: number;
  readonly executedOutputs = new Map<string, ImageRef[]>();
  readonly result: Promise<ComfyRunResult>;
  #prompt: ApiPrompt | undefined;
  #phase: RunPhase = "submitting";
  #number: number | undefined;
  #cachedNodes: string[] = [];
  #terminal: Terminal | undefined;
  #cancelRequested = false;
  /** Consecutive resyncs that found the prompt in neither `/queue` nor `/history`. */
  #missingCount = 0;
  #lastActivityAt: number;
  /** Frames that arrived before `POST /prompt` answered, replayed after `submitted`. */
  readonly #earlyFrames: ComfyFrame[] = [];

  private readonly onEvent: ((event: ComfyJobEvent) => void) | undefined;
  private readonly logger: Logger;
  private readonly timers = new Map<RunTimer, NodeJS.Timeout>();
  private readonly progress = new Map<string, number>();
  private currentNode: string | undefined;
  private resolve!: (result: ComfyRunResult) => void;
  private reject!: (error: ComfyError) => void;

  constructor(options: {
    promptId: string;
    prompt: ApiPrompt | undefined;
    clientId: string;
    now: number;
    logger: Logger;
    onEvent: ((event: ComfyJobEvent) => void) | undefined;
  }) {
    this.promptId = options.promptId;
    this.#prompt = options.prompt;
    this.clientId = options.clientId;
    this.startedAt = options.now;
    this.#lastActivityAt = options.now;
    this.logger = options.logger;
    this.onEvent = options.onEvent;
    this.result = new Promise<ComfyRunResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // The owner may stop listening (e.g. after its own abort); a rejection must never go unhandled.
    // The owner reads the error from `result`; here it is only noted at debug level.
    this.result.catch((error: unknown) =>
      this.logger.debug({ err: error }, "prompt run ended with an error"),
    );
  }

  get phase(): RunPhase {
    return this.#phase;
  }

  /** The graph; known from the start for our own submits, from `/queue` for reattached prompts. */
  get prompt(): ApiPrompt | undefined {
    return this.#prompt;
  }

  /** ComfyUI's queue number, once known. */
  get number(): number | undefined {
    return this.#number;
  }

  get cachedNodes(): readonly string[] {
    return this.#cachedNodes;
  }

  /** How the execution ended, as its frames said. */
  get terminal(): Terminal | undefined {
    return this.#terminal;
  }

  get cancelRequested(): boolean {
    return this.#cancelRequested;
  }

  get lastActivityAt(): number {
    return this.#lastActivityAt;
  }

  get settled(): boolean {
    return this.#phase === "done";
  }

  /** Still waiting on ComfyUI: neither settled nor collecting its outputs. */
  get active(): boolean {
    return this.#phase !== "done" && this.#phase !== "finishing";
  }

  /** `POST /prompt` accepted it: queued under `number`. Returns the frames that beat the answer, to apply now. */
  accepted(number: number): ComfyFrame[] {
    this.#number = number;
    this.#phase = "queued";
    this.emit({ type: "submitted", number });
    return this.#earlyFrames.splice(0);
  }

  /** A prompt of an earlier process: it is somewhere in ComfyUI, a resync will say where. */
  attached(): void {
    this.#phase = "queued";
  }

  /** Frames can beat the `POST /prompt` answer: kept until `accepted()`. Returns false once it was accepted. */
  holdEarlyFrame(frame: ComfyFrame): boolean {
    if (this.#phase !== "submitting") return false;
    this.#earlyFrames.push(frame);
    return true;
  }

  /** Marks a cancel as asked for; false when it already was, or the run is over. */
  requestCancel(): boolean {
    if (this.#cancelRequested || !this.active) return false;
    this.#cancelRequested = true;
    return true;
  }

  /** Something was heard of the prompt (a preview, a resync that found it). */
  touch(now: number): void {
    this.#lastActivityAt = now;
  }

  /** A resync found it in ComfyUI's queue: fills in what an attached run did not know. */
  foundInQueue(
    where: "running" | "pending",
    item: { number: number; prompt: ApiPrompt | undefined },
    now: number,
  ): void {
    this.#missingCount = 0;
    this.#lastActivityAt = now;
    this.#number ??= item.number;
    this.#prompt ??= item.prompt;
    if (where === "running") this.markRunning();
  }

  /** A resync found it nowhere. Returns how many resyncs in a row did. */
  missing(): number {
    this.#missingCount += 1;
    return this.#missingCount;
  }

  /** Collecting outputs: no more timers but the overall one; false if it was not active. */
  beginFinishing(): boolean {
    if (!this.active) return false;
    this.#phase = "finishing";
    for (const kind of ["start", "node_inactivity", "cancel"] as const) this.clearTimer(kind);
    return true;
  }

  /** Applies one frame of this prompt. Returns true for the done marker, `executing {node: null}`. */
  apply(frame: ComfyFrame, now: number): boolean {
    this.#lastActivityAt = now;
    switch (frame.type) {
      case "execution_start":
        this.markRunning();
        return false;
      case "execution_cached":
        this.#cachedNodes = frame.nodes;
        this.emit({ type: "cached", nodes: frame.nodes });
        return false;
      case "executing":
        if (frame.node === null) return true;
        this.markRunning();
        this.finishCurrentNode();
        this.currentNode = frame.node;
        this.emit(this.nodeEvent(frame.node));
        return false;
      case "progress": {
        const nodeId = frame.node ?? this.currentNode ?? "";
        this.markRunning();
        this.progress.set(nodeId, frame.max > 0 ? Math.min(1, frame.value / frame.max) : 0);
        this.emit({ type: "progress", nodeId, value: frame.value, max: frame.max, overall: this.overall() });
        return false;
      }
      case "executed":
        this.executedOutputs.set(frame.node, frame.images);
        this.emit({ type: "outputs", nodeId: frame.node, images: frame.images.map(plainRef) });
        return false;
      case "execution_success":
        this.#terminal = { kind: "success" };
        return false;
      case "execution_error":
        this.#terminal = {
          kind: "error",
          details: {
            nodeId: frame.nodeId,
            nodeType: frame.nodeType,
            exceptionType: frame.exceptionType,
            exceptionMessage: frame.exceptionMessage,
            traceback: frame.traceback,
          },
        };
        return false;
      case "execution_interrupted":
        this.#terminal = { kind: "interrupted" };
        return false;
      case "progress_state":
      case "status":
      case "feature_flags":
        return false;
    }
  }

  /** Moves a queued prompt to running; emits `started` once. */
  markRunning(): void {
    if (this.#phase !== "queued" && this.#phase !== "submitting") return;
    this.#phase = "running";
    this.clearTimer("start");
    this.emit({ type: "started" });
  }

  emit(event: ComfyJobEvent): void {
    if (!this.onEvent || this.settled) return;
    try {
      this.onEvent(event);
    } catch (error) {
      this.logger.error({ err: error, event: event.type }, "job event listener threw");
    }
  }

  setTimer(kind: RunTimer, ms: number, fire: () => void): void {
    this.clearTimer(kind);
    const timer = setTimeout(fire, ms);
    timer.unref();
    this.timers.set(kind, timer);
  }

  /** Restarts a running timer from now without allocating a new one (per-frame inactivity resets). */
  refreshTimer(kind: RunTimer): boolean {
    const timer = this.timers.get(kind);
    timer?.refresh();
    return timer !== undefined;
  }

  hasTimer(kind: RunTimer): boolean {
    return this.timers.has(kind);
  }

  clearTimer(kind: RunTimer): void {
    clearTimeout(this.timers.get(kind));
    this.timers.delete(kind);
  }

  succeed(result: ComfyRunResult): void {
    if (this.settle()) this.resolve(result);
  }

  fail(error: ComfyError): void {
    if (this.settle()) this.reject(error);
  }

  private settle(): boolean {
    if (this.#phase === "done") return false;
    this.#phase = "done";
    for (const kind of [...this.timers.keys()]) this.clearTimer(kind);
    return true;
  }

  private nodeEvent(nodeId: string): ComfyJobEvent {
    const event: ComfyJobEvent = { type: "node", nodeId };
    const node = this.#prompt?.[nodeId];
    if (node?.class_type) event.classType = node.class_type;
    const title = node?._meta?.title;
    if (typeof title === "string") event.title = title;
    return event;
  }

  private finishCurrentNode(): void {
    if (this.currentNode !== undefined && this.progress.has(this.currentNode)) {
      this.progress.set(this.currentNode, 1);
    }
  }

  /**
   * Progress across every sampler: samplers are guessed from the prompt (nodes with a `steps` input or
   * "Sampler" in the class name), minus the cached ones; each counts for an equal share.
   */
  private overall(): number {
    const cached = new Set(this.#cachedNodes);
    let samplers = 0;
    for (const [id, node] of Object.entries(this.#prompt ?? {})) {
      if (cached.has(id)) continue;
      if ("steps" in node.inputs || /sampler/i.test(node.class_type)) samplers += 1;
    }
    const denominator = Math.max(1, samplers, this.progress.size);
    let done = 0;
    for (const fraction of this.progress.values()) done += fraction;
    return Math.min(1, done / denominator);
  }
}

function plainRef(ref: ImageRef): { filename: string; subfolder: string; type: string } {
  return { filename: ref.filename, subfolder: ref.subfolder, type: ref.type };
}
