import type { Logger } from "pino";
import { PromptExecution, type ExecutionEnv, type ExecutionOutcome } from "./prompt-execution.js";
import type { PromptQueue } from "./prompt-queue.js";
import type { WsHub } from "./ws-hub.js";

export interface WorkerDeps {
  queue: () => PromptQueue;
  env: () => ExecutionEnv;
  hub: WsHub;
  now: () => number;
  /** False while the "process" is down: nothing starts. */
  running: () => boolean;
  onStart: (promptId: string, at: number) => void;
  onEnd: (
    promptId: string,
    startedAt: number,
    endedAt: number,
    outcome: Exclude<ExecutionOutcome, "killed">,
  ) => void;
  logger?: Logger | undefined;
}

/** ComfyUI's prompt_worker: one prompt at a time, in queue order, then task_done and `executing: null`. */
export class PromptWorker {
  private execution: PromptExecution | undefined;

  constructor(private readonly deps: WorkerDeps) {}

  current(): PromptExecution | undefined {
    return this.execution;
  }

  /** The worker thread picks the prompt up just after the POST is answered, as ComfyUI's does. */
  schedule(): void {
    setImmediate(() => this.pump());
  }

  /** Interrupt what runs, or only `promptId` if that is what runs; otherwise a no-op (also when idle). */
  interrupt(promptId?: string): void {
    if (promptId === undefined || this.execution?.item.promptId === promptId) this.execution?.interrupt();
  }

  /** The process died: the running prompt stops silently and never reaches the history. */
  kill(): void {
    this.execution?.kill();
    this.execution = undefined;
  }

  private pump(): void {
    if (this.execution !== undefined || !this.deps.running()) return;
    const queue = this.deps.queue();
    const item = queue.take();
    if (item === undefined) return;
    const execution = new PromptExecution(item, this.deps.env());
    this.execution = execution;
    const startedAt = this.deps.now();
    this.deps.onStart(item.promptId, startedAt);
    execution.run().then(
      ({ outcome, entry }) => {
        if (outcome === "killed") return;
        this.execution = undefined;
        queue.finish(item, entry);
        if (execution.client !== undefined) {
          this.deps.hub.send("executing", { node: null, prompt_id: item.promptId }, execution.client);
        }
        this.deps.onEnd(item.promptId, startedAt, this.deps.now(), outcome);
        this.pump();
      },
      (error: unknown) => {
        this.deps.logger?.error({ err: error, promptId: item.promptId }, "simulated execution failed");
        if (this.execution === execution) this.execution = undefined;
        this.pump();
      },
    );
  }
}
