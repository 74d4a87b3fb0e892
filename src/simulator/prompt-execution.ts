import type { FileStore } from "./file-store.js";
import { executionOrder, linkSource, signatures } from "./graph-plan.js";
import type { NodeCatalog } from "./node-catalog.js";
import {
  NodeFailure,
  runNodeBehaviour,
  type NodeContext,
  type NodeResult,
  type SimValue,
} from "./node-behaviours.js";
import type { OutputCache } from "./output-cache.js";
import { executionErrorData } from "./execution-error.js";
import { fileSignature, loadInputImage, saveImages } from "./image-files.js";
import type { HistoryEntry, HistoryMessage, QueueItem } from "./prompt-queue.js";
import { queueTuple } from "./prompt-queue.js";
import type { WsHub } from "./ws-hub.js";

export interface ExecutionEnv {
  hub: WsHub;
  catalog: NodeCatalog;
  files: FileStore;
  cache: OutputCache;
  now: () => number;
  stepMs: () => number;
  loadMs: number;
  previewMethod: "none" | "auto";
  failNodes: () => readonly string[];
  padBytes: number;
  maxSide: number;
  previewJpeg: Buffer;
  /** The checkpoint "in VRAM"; a different one costs `loadMs`. */
  checkpoint: { loaded: string | undefined };
}

export type ExecutionOutcome = "success" | "error" | "interrupted" | "killed";

class Interrupted extends Error {}
class Killed extends Error {}

interface ProgressEntry {
  value: number;
  max: number;
  state: "running" | "finished";
  node_id: string;
  prompt_id: string;
  display_node_id: string;
  parent_node_id: null;
  real_node_id: string;
}

/** One prompt run, frame for frame like ComfyUI 0.3.64's executor (see the protocol notes). */
export class PromptExecution {
  private interrupted = false;
  private killed = false;
  private wake: (() => void) | undefined;
  private readonly progress: Record<string, ProgressEntry> = {};
  private readonly clientId: string | undefined;
  currentNode: string | undefined;

  constructor(
    readonly item: QueueItem,
    private readonly env: ExecutionEnv,
  ) {
    const clientId = item.extraData["client_id"];
    this.clientId = typeof clientId === "string" ? clientId : undefined;
  }

  get client(): string | undefined {
    return this.clientId;
  }

  interrupt(): void {
    this.interrupted = true;
    this.wake?.();
  }

  /** The process died: stop without another frame. */
  kill(): void {
    this.killed = true;
    this.wake?.();
  }

  async run(): Promise<{ outcome: ExecutionOutcome; entry: HistoryEntry }> {
    const { item, env } = this;
    const promptId = item.promptId;
    const messages: HistoryMessage[] = [];
    const outputs: HistoryEntry["outputs"] = {};
    const meta: HistoryEntry["meta"] = {};
    const entry = (status: "success" | "error"): HistoryEntry => ({
      prompt: queueTuple(item),
      outputs,
      status: { status_str: status, completed: status === "success", messages },
      meta,
    });
    const record = (type: string, data: Record<string, unknown>): void => {
      messages.push([type, data]);
      this.toClient(type, data);
    };

    record("execution_start", { prompt_id: promptId, timestamp: env.now() });
    const order = executionOrder(item.prompt, item.outputs);
    const sigs = signatures(item.prompt, (classType, inputs) => fileSignature(env.files, classType, inputs));
    env.cache.retainOnly(new Set(sigs.values()));
    // Like ComfyUI: every node of the prompt in key order, reachable from the outputs or not.
    const cached = Object.keys(item.prompt).filter((id) => env.cache.get(sigs.get(id) ?? "") !== undefined);
    record("execution_cached", { nodes: cached, prompt_id: promptId, timestamp: env.now() });

    const values = new Map<string, SimValue[]>();
    const executed: string[] = [];
    const showUi = (id: string, ui: NonNullable<NodeResult["ui"]>): void => {
      this.toClient("executed", { node: id, display_node: id, output: ui, prompt_id: promptId });
      outputs[id] = ui;
      meta[id] = { node_id: id, display_node: id, parent_node: null, real_node_id: id };
    };
    for (const id of order) {
      const node = item.prompt[id];
      const signature = sigs.get(id) ?? "";
      if (node === undefined) continue;
      const hit = env.cache.get(signature);
      if (hit !== undefined) {
        values.set(id, hit.outputs);
        if (hit.ui !== undefined) {
          showUi(id, hit.ui);
          this.progress[id] = this.progressEntry(id, 1, 1, "finished");
          this.sendProgressState();
        }
        continue;
      }
      this.progress[id] = this.progressEntry(id, 0, 1, "running");
      this.sendProgressState();
      this.currentNode = id;
      this.toClient("executing", { node: id, display_node: id, prompt_id: promptId });
      let result: NodeResult;
      try {
        if (this.killed) throw new Killed();
        if (this.interrupted) throw new Interrupted();
        if (env.failNodes().some((f) => f === node.class_type || f === id)) {
          throw new NodeFailure(`Simulated failure in ${node.class_type} (node ${id})\n`);
        }
        result = await runNodeBehaviour(this.context(id, node.class_type, node.inputs, signature, values));
        if (this.killed) throw new Killed();
      } catch (error) {
        if (error instanceof Killed || this.killed) return { outcome: "killed", entry: entry("error") };
        if (error instanceof Interrupted) {
          record("execution_interrupted", {
            prompt_id: promptId,
            node_id: id,
            node_type: node.class_type,
            executed,
            timestamp: env.now(),
          });
          return { outcome: "interrupted", entry: entry("error") };
        }
        const data = executionErrorData({
          promptId,
          nodeId: id,
          node,
          error,
          executed,
          outputs: item.outputs,
          order,
          timestamp: env.now(),
        });
        messages.push(["execution_error", data]);
        this.toClient("execution_error", data);
        return { outcome: "error", entry: entry("error") };
      }
      values.set(id, result.outputs);
      env.cache.set(signature, result);
      if (result.ui !== undefined) showUi(id, result.ui);
      const state = this.progress[id];
      if (state !== undefined) this.progress[id] = { ...state, value: state.max, state: "finished" };
      this.sendProgressState();
      executed.push(id);
    }
    record("execution_success", { prompt_id: promptId, timestamp: env.now() });
    return { outcome: "success", entry: entry("success") };
  }

  /** Execution events that go to the submitting client only, and to nobody without a client_id. */
  private toClient(type: string, data: unknown): void {
    if (type === "execution_interrupted") {
      this.env.hub.send(type, data, this.clientId ?? null);
      return;
    }
    if (this.clientId !== undefined) this.env.hub.send(type, data, this.clientId);
  }

  private progressEntry(
    id: string,
    value: number,
    max: number,
    state: ProgressEntry["state"],
  ): ProgressEntry {
    const promptId = this.item.promptId;
    return {
      value,
      max,
      state,
      node_id: id,
      prompt_id: promptId,
      display_node_id: id,
      parent_node_id: null,
      real_node_id: id,
    };
  }

  private progressStateData(): unknown {
    return { prompt_id: this.item.promptId, nodes: structuredClone(this.progress) };
  }

  private sendProgressState(): void {
    this.env.hub.send("progress_state", this.progressStateData(), this.clientId ?? null);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      // setImmediate for 0 ms keeps HTTP requests served between steps.
      const timer = ms > 0 ? setTimeout(done, ms) : undefined;
      if (timer === undefined) setImmediate(done);
      this.wake = done;
    });
  }

  private checkStop(): void {
    if (this.killed) throw new Killed();
    if (this.interrupted) throw new Interrupted();
  }

  private context(
    id: string,
    classType: string,
    rawInputs: Record<string, unknown>,
    signature: string,
    values: Map<string, SimValue[]>,
  ): NodeContext {
    const inputs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(rawInputs)) {
      const source = linkSource(value);
      inputs[name] = source === undefined ? value : values.get(source.nodeId)?.[source.index];
    }
    return {
      nodeId: id,
      classType,
      inputs,
      outputTypes: this.env.catalog.spec(classType)?.output ?? [],
      signature,
      defaultStepMs: this.env.stepMs(),
      runSteps: async (steps, stepMs, previews = true) => {
        for (let k = 1; k <= steps; k++) {
          await this.sleep(stepMs);
          this.checkStop();
          this.progress[id] = this.progressEntry(id, k, steps, "running");
          const preview =
            previews && this.env.previewMethod === "auto"
              ? { nodeId: id, promptId: this.item.promptId, jpeg: this.env.previewJpeg }
              : undefined;
          this.env.hub.sendStep(
            this.clientId ?? null,
            this.progressStateData(),
            { value: k, max: steps, prompt_id: this.item.promptId, node: id },
            preview,
          );
        }
      },
      loadCheckpoint: async (name) => {
        if (this.env.loadMs > 0 && this.env.checkpoint.loaded !== name) {
          await this.sleep(this.env.loadMs);
          this.checkStop();
        }
        this.env.checkpoint.loaded = name;
      },
      saveImages: (images, type, prefix) =>
        saveImages(this.env.files, images, type, prefix, {
          prompt: this.item.prompt,
          extraPngInfo: pngInfo(this.item.extraData["extra_pnginfo"]),
          padBytes: this.env.padBytes,
          maxSide: this.env.maxSide,
        }),
      loadImage: (name) => loadInputImage(this.env.files, name),
    };
  }
}

function pngInfo(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
