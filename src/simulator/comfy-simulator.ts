import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { FileStore } from "./file-store.js";
import { imageFilesOnly, inputExists } from "./image-files.js";
import { createRequestHandler } from "./http-api.js";
import { ModelLists } from "./model-lists.js";
import { NodeCatalog } from "./node-catalog.js";
import { OutputCache } from "./output-cache.js";
import { renderPng } from "./png-renderer.js";
import { createSimulatorServer } from "./simulator-server.js";
import type { SimulatorOptions } from "./simulator-options.js";
import type { ExecutionEnv } from "./prompt-execution.js";
import { PromptQueue, type QueueItem } from "./prompt-queue.js";
import { PromptWorker } from "./prompt-worker.js";
import { WsHub } from "./ws-hub.js";

export type { SimulatorOptions } from "./simulator-options.js";

export type ExecutionOutcomeKind = "success" | "error" | "interrupted";
export type SimulatorEvent =
  "execution_start" | "execution_success" | "execution_error" | "execution_interrupted";
export interface ExecutionRecord {
  promptId: string;
  startedAt: number;
  endedAt: number;
  computeMs: number;
  outcome: ExecutionOutcomeKind;
}

export interface ComfySimulator {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
  /** Like SIGKILL: every socket destroyed (1006 for clients), HTTP stops listening, queue and history lost. */
  crash(): Promise<void>;
  /** Listen again on the same port with an empty queue and history (after crash). */
  restart(): Promise<void>;
  /** Sockets stay open and HTTP works, but no WS frame is sent (pings are still answered). */
  setDeaf(deaf: boolean): void;
  setStepMs(ms: number): void;
  setFailNodes(list: string[]): void;
  /** Replace the checkpoint list (like dropping files into models/checkpoints: visible at once). */
  setCheckpoints(list: string[]): void;
  /** Replace the files in models/loras. */
  setLoras(list: string[]): void;
  /** Replace the files in models/upscale_models. */
  setUpscaleModels(list: string[]): void;
  readonly stats: { executions: ExecutionRecord[] };
  on(event: SimulatorEvent, fn: (e: { promptId: string; at: number }) => void): void;
  /** The bytes `/view` serves for this file (an upload: type "input"), so tests can compare. */
  viewBytes(filename: string, subfolder?: string, type?: string): Buffer | undefined;
}

export const defaultCheckpoints = ["sd_xl_base_1.0.safetensors", "v1-5-pruned-emaonly.safetensors"];

/** aiohttp's client_max_size from ComfyUI's default `--max-upload-size 100` (MB). */
const defaultMaxUploadBytes = 100 * 1024 * 1024;

class Simulator implements ComfySimulator {
  readonly stats = { executions: [] as ExecutionRecord[] };
  private readonly listeners = new Map<
    SimulatorEvent,
    Array<(e: { promptId: string; at: number }) => void>
  >();
  private readonly files = new FileStore();
  private readonly catalog: NodeCatalog;
  private readonly hub: WsHub;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly cache = new OutputCache();
  private readonly checkpoint: { loaded: string | undefined } = { loaded: undefined };
  private queue: PromptQueue;
  private readonly worker: PromptWorker;
  private server: Server | undefined;
  private number = 0;
  private stepMs: number;
  private failNodes: string[];
  private readonly models: ModelLists;
  private boundPort = 0;
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly previewJpeg: Buffer;

  constructor(private readonly options: SimulatorOptions) {
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? randomUUID;
    this.stepMs = options.stepMs ?? 50;
    this.failNodes = [...(options.failNodes ?? [])];
    this.models = new ModelLists({
      checkpoints: options.checkpoints ?? defaultCheckpoints,
      loras: options.loras ?? [],
      upscale_models: options.upscaleModels ?? [],
    });
    const jpeg = readFileSync(new URL("./fixtures/preview.jpg", import.meta.url));
    // Bytes after a JPEG's end marker are ignored by decoders: a bigger frame, the same image.
    const previewPad = options.previewPadBytes ?? 0;
    this.previewJpeg = previewPad > 0 ? Buffer.concat([jpeg, Buffer.alloc(previewPad)]) : jpeg;
    const hidden = [...(options.withoutNodes ?? [])];
    this.catalog = new NodeCatalog({
      checkpoints: () => this.models.get("checkpoints"),
      loras: () => this.models.get("loras"),
      upscaleModels: () => this.models.get("upscale_models"),
      inputFiles: () => imageFilesOnly(this.files.list("input")),
      inputExists: (name) => inputExists(this.files, name),
      hiddenClasses: () => hidden,
    });
    this.hub = new WsHub({
      newSid: () => this.newId().replaceAll("-", ""),
      queueRemaining: () => this.queue.remaining(),
      runningNodeFor: (sid) => {
        const running = this.worker.current();
        return running?.client === sid ? running.currentNode : undefined;
      },
      maxUploadBytes: options.maxUploadBytes ?? defaultMaxUploadBytes,
    });
    this.queue = this.newQueue();
    this.worker = new PromptWorker({
      queue: () => this.queue,
      env: () => this.env(),
      hub: this.hub,
      now: this.now,
      running: () => this.server !== undefined,
      onStart: (promptId, at) => this.emit("execution_start", promptId, at),
      onEnd: (promptId, startedAt, endedAt, outcome) => {
        this.stats.executions.push({ promptId, startedAt, endedAt, computeMs: endedAt - startedAt, outcome });
        this.emit(`execution_${outcome}`, promptId, endedAt);
      },
      logger: options.logger,
    });
    // LoadImage needs something to load before anyone uploads, like ComfyUI's example.png.
    this.files.addBytes(
      "input",
      "",
      "example.png",
      renderPng({ key: "example", width: 64, height: 64, prompt: {}, padBytes: 0, maxSide: 64 }),
    );
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    const host = this.options.host ?? "127.0.0.1";
    const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
    return `http://${shown}:${this.boundPort}`;
  }

  setCheckpoints(list: string[]): void {
    this.models.set("checkpoints", list);
  }

  setLoras(list: string[]): void {
    this.models.set("loras", list);
  }

  setUpscaleModels(list: string[]): void {
    this.models.set("upscale_models", list);
  }

  private newQueue(): PromptQueue {
    return new PromptQueue(() => this.hub.broadcastStatus(this.queue.remaining()));
  }

  async listen(port: number): Promise<void> {
    const handler = createRequestHandler({
      catalog: this.catalog,
      files: this.files,
      queue: () => this.queue,
      models: this.models,
      maxUploadBytes: this.options.maxUploadBytes ?? defaultMaxUploadBytes,
      argv: () => this.argv(),
      nextNumber: () => this.number++,
      newPromptId: () => this.newId(),
      enqueue: (item) => this.enqueue(item),
      interrupt: (promptId) => this.worker.interrupt(promptId),
    });
    const server = createSimulatorServer({
      handler,
      wss: this.wss,
      hub: this.hub,
      basicAuth: this.options.basicAuth,
      jsonPadBytes: this.options.jsonPadBytes ?? 0,
      logger: this.options.logger,
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, this.options.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
  }

  private argv(): string[] {
    const argv = [
      "main.py",
      "--cpu",
      "--listen",
      this.options.host ?? "127.0.0.1",
      "--port",
      String(this.boundPort),
    ];
    return [...argv, "--preview-method", this.options.previewMethod ?? "auto"];
  }

  private enqueue(item: QueueItem): void {
    this.queue.put(item);
    // The worker picks the prompt up just after the POST is answered, as ComfyUI's worker thread does.
    this.worker.schedule();
  }

  private env(): ExecutionEnv {
    return {
      hub: this.hub,
      catalog: this.catalog,
      files: this.files,
      cache: this.cache,
      now: this.now,
      stepMs: () => this.stepMs,
      loadMs: this.options.loadMs ?? 0,
      previewMethod: this.options.previewMethod ?? "auto",
      failNodes: () => this.failNodes,
      padBytes: this.options.outputPadBytes ?? 0,
      maxSide: this.options.maxRenderSide ?? 256,
      previewJpeg: this.previewJpeg,
      checkpoint: this.checkpoint,
    };
  }

  private emit(event: SimulatorEvent, promptId: string, at: number): void {
    for (const fn of this.listeners.get(event) ?? []) fn({ promptId, at });
  }

  on(event: SimulatorEvent, fn: (e: { promptId: string; at: number }) => void): void {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn]);
  }

  setDeaf(deaf: boolean): void {
    this.hub.setDeaf(deaf);
  }

  setStepMs(ms: number): void {
    this.stepMs = ms;
  }

  setFailNodes(list: string[]): void {
    this.failNodes = [...list];
  }

  viewBytes(filename: string, subfolder = "", type = "output"): Buffer | undefined {
    return this.files.get(type, subfolder, filename);
  }

  private async stopServer(graceful: boolean): Promise<void> {
    this.worker.kill();
    if (graceful) await this.hub.closeAll();
    else this.hub.terminateAll();
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  async crash(): Promise<void> {
    await this.stopServer(false);
    // Memory dies with the process; files on disk (outputs, uploads, counters) survive.
    this.queue = this.newQueue();
    this.cache.clear();
    this.checkpoint.loaded = undefined;
  }

  async restart(): Promise<void> {
    if (this.server !== undefined) await this.crash();
    this.files.clearTemp();
    await this.listen(this.boundPort);
  }

  async close(): Promise<void> {
    await this.stopServer(true);
    this.hub.terminateAll();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

/** Starts a ComfyUI 0.3.64 look-alike (HTTP + WebSocket) for tests, benchmarks and GPU-less trials. */
export async function startComfySimulator(options: SimulatorOptions = {}): Promise<ComfySimulator> {
  const simulator = new Simulator(options);
  await simulator.listen(options.port ?? 0);
  return simulator;
}
