import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import { asApiPrompt, checkpointOf, type ApiPrompt } from "./api-prompt.js";
import { collectOutputs } from "./collect-outputs.js";
import { ComfyError, isComfyError, type ComfyErrorOptions, type ComfyTimeoutKind } from "./comfy-error.js";
import type { ComfyHttp } from "./comfy-http.js";
import type { ComfyAttachRequest, ComfyRunRequest, ComfyRunResult } from "./comfy-job-events.js";
import type { HistoryEntry } from "./comfy-responses.js";
import type { ComfyFrame, PreviewFrame } from "./frames.js";
import type { PromptLocation } from "./locate-prompts.js";
import { PromptRun } from "./prompt-run.js";
import { ResyncLoop } from "./resync-loop.js";
import { submitPrompt } from "./submit-prompt.js";

/** What the tracker needs to know about the backend's socket. */
export interface SocketView {
  /** The clientId of the live connection (prompts submitted now use it). */
  readonly clientId: string;
  readonly connected: boolean;
  reconnectNow(reason: string): void;
}

export interface PromptTrackerOptions {
  backendId: string;
  http: ComfyHttp;
  socket: SocketView;
  logger: Logger;
  maxOutputBytes: number;
  maxOutputsPerJob: number;
  maxOutputBytesPerJob: number;
  timeouts: { startMs: number; nodeInactivityMs: number; overallMs: number };
  resyncIntervalMs: number;
  downloadTimeoutMs: number;
  cancelConfirmMs: number;
  now: () => number;
}

export interface PromptTrackerEvents {
  settled: [{ promptId: string; error?: ComfyError; checkpoint?: string }];
  checkpoint: [string];
  resyncFailed: [unknown];
}

/**
 * The table `promptId → PromptRun` of one backend: submits, routes frames by prompt id, enforces the per-job
 * timeouts, cancels, and resyncs over HTTP whenever the socket may have missed something.
 */
export class PromptTracker extends EventEmitter<PromptTrackerEvents> {
  private readonly o: PromptTrackerOptions;
  private readonly runs = new Map<string, PromptRun>();
  private readonly resyncLoop: ResyncLoop;

  constructor(options: PromptTrackerOptions) {
    super();
    this.o = options;
    this.resyncLoop = new ResyncLoop({
      http: options.http,
      intervalMs: options.resyncIntervalMs,
      now: options.now,
      watched: () =>
        [...this.runs.values()].filter((run) => run.phase === "queued" || run.phase === "running"),
      apply: (promptId, location, reason) => this.applyLocation(promptId, location, reason),
      onError: (error) => this.emit("resyncFailed", error),
    });
  }

  get size(): number {
    return this.runs.size;
  }

  start(): void {
    this.resyncLoop.start();
  }

  /** Rejects every tracked run with `error`; the prompts themselves stay in ComfyUI. */
  stop(error: ComfyError): void {
    this.resyncLoop.stop();
    for (const run of [...this.runs.values()]) this.settle(run, error);
  }

  run(request: ComfyRunRequest): Promise<ComfyRunResult> {
    const run = this.track(request.promptId, request.prompt, this.o.socket.clientId, request);
    if (!run.settled) void this.submit(run, request.extraData);
    return run.result;
  }

  attach(request: ComfyAttachRequest): Promise<ComfyRunResult> {
    const run = this.track(request.promptId, undefined, "(previous process)", request);
    if (!run.settled) {
      run.attached();
      void this.resync("attach");
    }
    return run.result;
  }

  async cancel(promptId: string): Promise<void> {
    const run = this.runs.get(promptId);
    if (run) {
      if (!run.requestCancel()) return;
      // Not in ComfyUI yet: submit() cancels as soon as the POST answers.
      if (run.phase === "submitting") return;
    }
    try {
      await this.o.http.cancelPrompt(promptId);
    } catch (error) {
      if (!run) throw error;
      this.o.logger.warn({ err: error, promptId }, "cancel request failed");
    }
    if (run) await this.confirmCancel(run);
  }

  async resync(reason: string): Promise<void> {
    await this.resyncLoop.resync(reason);
  }

  /** After a reconnect: prompts of the old connection get no frames, so per-node inactivity cannot be judged. */
  reconnected(clientId: string): void {
    for (const run of this.runs.values()) if (run.clientId !== clientId) run.clearTimer("node_inactivity");
    if (this.runs.size > 0) void this.resync("reconnect");
  }

  onFrame(frame: ComfyFrame): void {
    // `status` names no prompt, nor does the `executing` a reconnecting socket gets: both are ignored.
    if (!("promptId" in frame) || frame.promptId === undefined) return;
    const run = this.runs.get(frame.promptId);
    if (!run || run.settled) return;
    // Frames can beat the POST /prompt answer; they are replayed after `submitted`.
    if (!run.holdEarlyFrame(frame)) this.applyFrame(run, frame);
  }

  /** Type-4 previews name their prompt; legacy type-1 ones belong to whatever of ours runs on this socket. */
  onPreview(preview: PreviewFrame): void {
    const run = preview.promptId
      ? this.runs.get(preview.promptId)
      : [...this.runs.values()].find((r) => r.phase === "running" && r.clientId === this.o.socket.clientId);
    if (run?.phase !== "running") return;
    run.touch(this.o.now());
    run.refreshTimer("node_inactivity");
    const { mime, bytes, nodeId } = preview;
    run.emit(
      nodeId === undefined ? { type: "preview", mime, bytes } : { type: "preview", mime, bytes, nodeId },
    );
  }

  private track(
    promptId: string,
    prompt: ApiPrompt | undefined,
    clientId: string,
    request: ComfyAttachRequest,
  ) {
    if (this.runs.has(promptId)) throw new TypeError(`prompt ${promptId} is already tracked`);
    const logger = this.o.logger.child({ promptId });
    const run = new PromptRun({
      promptId,
      prompt,
      clientId,
      now: this.o.now(),
      logger,
      onEvent: request.onEvent,
    });
    if (request.signal?.aborted) {
      run.fail(this.error(run, "comfy_cancelled", "cancelled before submission"));
      return run;
    }
    this.runs.set(promptId, run);
    run.setTimer("overall", this.o.timeouts.overallMs, () => void this.timeOut(run, "overall"));
    const signal = request.signal;
    if (signal) {
      const onAbort = (): void => {
        this.cancel(run.promptId).catch((error: unknown) => {
          // The overall timeout still ends the run if the prompt cannot be taken back.
          this.o.logger.warn({ err: error, promptId: run.promptId }, "cancelling an aborted prompt failed");
        });
      };
      signal.addEventListener("abort", onAbort, { once: true });
      const removeListener = (): void => signal.removeEventListener("abort", onAbort);
      void run.result.then(removeListener, removeListener);
    }
    return run;
  }

  private async submit(run: PromptRun, extraData: Record<string, unknown> | undefined): Promise<void> {
    const body = { prompt: run.prompt, client_id: run.clientId, prompt_id: run.promptId };
    let accepted;
    try {
      accepted = await submitPrompt(this.o.http, extraData ? { ...body, extra_data: extraData } : body);
    } catch (error) {
      const cancelled = run.cancelRequested && isComfyError(error) && error.code !== "comfy_validation";
      return this.settle(
        run,
        cancelled ? this.error(run, "comfy_cancelled", "cancelled") : this.wrap(run, error),
      );
    }
    if (run.settled) return;
    for (const frame of run.accepted(accepted.number)) this.applyFrame(run, frame);
    if (run.cancelRequested && run.active) {
      await this.cancelOnServer(run, "cancelled while it was being submitted");
      return this.confirmCancel(run);
    }
    this.armStartTimer();
  }

  private applyFrame(run: PromptRun, frame: ComfyFrame): void {
    if (!run.active) return;
    const done = run.apply(frame, this.o.now());
    const checkpoint = frame.type === "execution_start" ? checkpointOf(run.prompt) : undefined;
    if (checkpoint !== undefined) this.emit("checkpoint", checkpoint);
    const live = run.phase === "running" && run.clientId === this.o.socket.clientId;
    if (live && !run.refreshTimer("node_inactivity")) {
      run.setTimer("node_inactivity", this.o.timeouts.nodeInactivityMs, () => {
        void this.timeOut(run, "node_inactivity");
      });
    }
    if (done) void this.finish(run, undefined);
  }

  /** Ends a run from its frames (`entry` undefined) or from the history entry a resync found. */
  private async finish(run: PromptRun, entry: HistoryEntry | undefined): Promise<void> {
    if (!run.beginFinishing()) return;
    if (run.cancelRequested) return this.settle(run, this.error(run, "comfy_cancelled", "cancelled"));
    try {
      const { images, cachedNodes } = await collectOutputs(this.o.http, run, entry, {
        maxBytes: this.o.maxOutputBytes,
        maxOutputs: this.o.maxOutputsPerJob,
        maxTotalBytes: this.o.maxOutputBytesPerJob,
        downloadTimeoutMs: this.o.downloadTimeoutMs,
      });
      this.settle(run, { images, cachedNodes, durationMs: this.o.now() - run.startedAt });
    } catch (error) {
      this.settle(run, this.wrap(run, error));
    }
  }

  private settle(run: PromptRun, outcome: ComfyRunResult | ComfyError): void {
    if (run.settled) return;
    if (outcome instanceof ComfyError) run.fail(outcome);
    else run.succeed(outcome);
    if (this.runs.get(run.promptId) === run) this.runs.delete(run.promptId);
    const checkpoint = checkpointOf(run.prompt);
    this.emit("settled", {
      promptId: run.promptId,
      ...(outcome instanceof ComfyError ? { error: outcome } : {}),
      ...(checkpoint !== undefined ? { checkpoint } : {}),
    });
    this.armStartTimer();
  }

  /** The start timeout runs only for our first prompt in line, so a staged prompt is not blamed for waiting. */
  private armStartTimer(): void {
    const runs = [...this.runs.values()];
    if (runs.some((run) => run.phase === "running" || run.phase === "finishing")) return;
    const next = runs
      .filter((run) => run.phase === "queued")
      .sort((a, b) => (a.number ?? Infinity) - (b.number ?? Infinity))[0];
    if (next && !next.hasTimer("start")) {
      next.setTimer("start", this.o.timeouts.startMs, () => void this.timeOut(next, "start"));
    }
  }

  private async timeOut(run: PromptRun, kind: ComfyTimeoutKind): Promise<void> {
    if (!run.active) return;
    this.o.logger.warn(
      { promptId: run.promptId, timeout: kind },
      "prompt timed out; cancelling on the server",
    );
    run.requestCancel();
    await this.cancelOnServer(run, `${kind} timeout`);
    this.settle(run, this.error(run, "comfy_timeout", `${kind} timeout`, { timeout: kind }));
  }

  /**
   * Takes the prompt out of ComfyUI's queue or interrupts it. A failure is logged and ignored: the run
   * is given up either way, and at worst ComfyUI finishes a prompt nobody waits for.
   */
  private async cancelOnServer(run: PromptRun, why: string): Promise<void> {
    try {
      await this.o.http.cancelPrompt(run.promptId);
    } catch (error) {
      this.o.logger.warn(
        { err: error, promptId: run.promptId, why },
        "could not cancel the prompt on ComfyUI",
      );
    }
  }

  private async confirmCancel(run: PromptRun): Promise<void> {
    if (!run.active) return;
    const cancelled = (): void => this.settle(run, this.error(run, "comfy_cancelled", "cancelled"));
    try {
      const queue = await this.o.http.getQueue();
      if (queue.running.some((item) => item.promptId === run.promptId)) {
        // The interrupt lands between two steps; its frames (or a resync) finish the run.
        run.setTimer("cancel", this.o.cancelConfirmMs, cancelled);
        return;
      }
    } catch (error) {
      this.o.logger.warn({ err: error, promptId: run.promptId }, "could not confirm cancel");
    }
    cancelled();
  }

  /** Returns true when the prompt was missing once and deserves a second look before being declared lost. */
  private applyLocation(promptId: string, location: PromptLocation, reason: string): boolean {
    const run = this.runs.get(promptId);
    if (!run?.active || run.phase === "submitting") return false;
    switch (location.where) {
      case "running":
      case "pending":
        run.foundInQueue(
          location.where,
          { number: location.item.number, prompt: asApiPrompt(location.item.prompt) },
          this.o.now(),
        );
        this.armStartTimer();
        return false;
      case "finished": {
        const ours = run.clientId === this.o.socket.clientId && this.o.socket.connected;
        if (ours && this.o.now() - run.lastActivityAt >= this.o.resyncIntervalMs) {
          // ComfyUI finished a prompt our live socket never reported: the socket is deaf.
          this.o.socket.reconnectNow("finished prompt never reported on the socket");
        }
        void this.finish(run, location.entry);
        return false;
      }
      case "missing":
        if (run.missing() < 2) return true;
        this.settle(run, this.error(run, "comfy_lost", `prompt vanished from ComfyUI (${reason})`));
        return false;
    }
  }

  private error(run: PromptRun, code: ComfyError["code"], message: string, extra: ComfyErrorOptions = {}) {
    return new ComfyError(code, message, { ...extra, backendId: this.o.backendId, promptId: run.promptId });
  }

  private wrap(run: PromptRun, error: unknown): ComfyError {
    if (isComfyError(error))
      return error.withContext({ backendId: this.o.backendId, promptId: run.promptId });
    return this.error(run, "comfy_bad_response", (error as Error).message, { cause: error });
  }
}
