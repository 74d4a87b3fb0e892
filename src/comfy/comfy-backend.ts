import { EventEmitter } from "node:events";
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { defaults } from "../config/defaults.js";
import { withoutCredentials } from "./comfy-endpoint.js";
import { ComfyError, isComfyError } from "./comfy-error.js";
import { ComfyHttp } from "./comfy-http.js";
import type { ComfyAttachRequest, ComfyRunRequest, ComfyRunResult } from "./comfy-job-events.js";
import { ComfySocket } from "./comfy-socket.js";
import type { ObjectInfo } from "./object-info.js";
import { PromptTracker } from "./prompt-tracker.js";
import type { UploadedImage, UploadImageOptions } from "./upload-image.js";

export interface ComfyBackendOptions {
  id: string;
  /** The host's URL as configured; `user:password@` in it is sent as basic auth and never shown. */
  url: string;
  /** Stable across bot restarts (the caller persists it); see ComfySocket for the per-connection suffix. */
  clientId: string;
  /** The previous process's last connection id (from the `connected` event), resumed on the first connect. */
  resumeClientId?: string | undefined;
  logger: Logger;
  maxOutputBytes: number;
  /** Caps on what the host sends; each defaults to its `comfy.*` config default. */
  maxOutputsPerJob?: number;
  maxOutputBytesPerJob?: number;
  maxJsonBytes?: number;
  maxFrameBytes?: number;
  timeouts: { startMs: number; nodeInactivityMs: number; overallMs: number };
  pingIntervalMs: number;
  pongTimeoutMs: number;
  /** A prompt with no frame for this long is checked over HTTP. Default 5 s. */
  resyncIntervalMs?: number;
  requestTimeoutMs?: number;
  downloadTimeoutMs?: number;
  /** How long a cancelled running prompt may take to stop before its slot is released anyway. Default 5 s. */
  cancelConfirmMs?: number;
  reconnectBackoff?: { initialMs: number; maxMs: number };
  now?: () => number;
  newId?: () => string;
}

export interface BackendHealth {
  online: boolean;
  lastError?: string;
  version?: string;
  /** True once this backend has sent a preview image (never with `--preview-method none`). */
  previews?: boolean;
}

export interface ComfyBackendEvents {
  health: [BackendHealth];
  reconnect: [{ clientId: string }];
  objectInfo: [ObjectInfo];
  /** A socket connection is up under this clientId: persist it to resume it after a restart. */
  connected: [{ clientId: string }];
  /** One of our prompts finished, either way: a slot is free. */
  settled: [{ promptId: string; error?: ComfyError; checkpoint?: string }];
  /** `POST /upload/image` failed (no slot is freed: the upload ran inside a held one). */
  uploadFailed: [{ error: ComfyError }];
}

const promptIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * One ComfyUI host: a persistent socket, the HTTP routes, server info, and the tracker of our prompts on it.
 * The socket streams what happens; HTTP (`/queue` then `/history`) decides whenever the socket may have missed
 * something: after a reconnect, while a prompt is quiet, and for prompts of a previous connection or process.
 */
export class ComfyBackend extends EventEmitter<ComfyBackendEvents> {
  readonly id: string;
  /** The host's URL without credentials: safe to log and show to operators. */
  readonly url: string;
  readonly http: ComfyHttp;
  /** Checkpoint of the last prompt that started here: the pool prefers a warm backend. */
  lastCheckpoint: string | undefined;
  private readonly logger: Logger;
  private readonly socket: ComfySocket;
  private readonly tracker: PromptTracker;
  private info: ObjectInfo | undefined;
  private state: BackendHealth = { online: false };
  private started = false;

  constructor(options: ComfyBackendOptions) {
    super();
    this.id = options.id;
    this.url = withoutCredentials(options.url);
    this.logger = options.logger.child({ backend: options.id });
    this.http = new ComfyHttp({
      url: options.url,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      maxJsonBytes: options.maxJsonBytes ?? defaults.comfy.maxJsonBytes,
    });
    this.socket = new ComfySocket({
      url: options.url,
      clientId: options.clientId,
      logger: this.logger,
      pingIntervalMs: options.pingIntervalMs,
      pongTimeoutMs: options.pongTimeoutMs,
      maxFrameBytes: options.maxFrameBytes ?? defaults.comfy.maxFrameBytes,
      bootNonce: (options.newId ?? randomUUID)().replace(/-/g, "").slice(0, 8),
      resumeClientId: options.resumeClientId,
      ...(options.reconnectBackoff ? { backoff: options.reconnectBackoff } : {}),
    });
    this.tracker = new PromptTracker({
      backendId: options.id,
      http: this.http,
      socket: this.socket,
      logger: this.logger,
      maxOutputBytes: options.maxOutputBytes,
      maxOutputsPerJob: options.maxOutputsPerJob ?? defaults.comfy.maxOutputsPerJob,
      maxOutputBytesPerJob: options.maxOutputBytesPerJob ?? defaults.comfy.maxOutputBytesPerJob,
      timeouts: options.timeouts,
      resyncIntervalMs: options.resyncIntervalMs ?? 5_000,
      downloadTimeoutMs: options.downloadTimeoutMs ?? 60_000,
      cancelConfirmMs: options.cancelConfirmMs ?? 5_000,
      now: options.now ?? Date.now,
    });
    this.tracker.on("settled", (settled) => this.emit("settled", settled));
    this.tracker.on("checkpoint", (checkpoint) => (this.lastCheckpoint = checkpoint));
    this.tracker.on("resyncFailed", (error) => this.setHealth({ lastError: (error as Error).message }));
  }

  get health(): Readonly<BackendHealth> {
    return this.state;
  }

  /** Our prompts submitted and not finished: running plus staged (plus any still being submitted). */
  /** The clientId of the current (or next) socket connection. */
  get clientId(): string {
    return this.socket.clientId;
  }

  private stopped = false;
  /** Slots held for prompts still being prepared (their input picture uploading). */
  private reserved = 0;

  get inFlight(): number {
    return this.tracker.size + this.reserved;
  }

  /**
   * Holds one of this host's slots for a prompt that is not submitted yet (its input picture is
   * uploading), so the pool does not hand the slot to another job meanwhile. Call the returned
   * function once, just before `run` registers the prompt, or when it will not run; later calls
   * do nothing.
   */
  reserveSlot(): () => void {
    this.reserved++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.reserved--;
    };
  }

  objectInfo(): ObjectInfo | undefined {
    return this.info;
  }

  /** Connects and loads server info; resolves even when the host is down (health says so, reconnects go on). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.socket.on("open", ({ clientId, generation }) => {
      this.setHealth({ online: true });
      this.emit("connected", { clientId });
      if (generation > 1) {
        this.emit("reconnect", { clientId });
        void this.loadServerInfo();
      }
      this.tracker.reconnected(clientId);
    });
    this.socket.on("close", ({ code }) =>
      this.setHealth({ online: false, lastError: `socket closed (${code})` }),
    );
    this.socket.on("frame", (frame) => this.tracker.onFrame(frame));
    this.socket.on("preview", (preview) => {
      if (!this.state.previews) this.setHealth({ previews: true });
      this.tracker.onPreview(preview);
    });
    this.socket.start();
    this.tracker.start();
    await this.loadServerInfo();
  }

  /** Stops socket and timers. Prompts still tracked stay in ComfyUI; their runs reject with comfy_unreachable. */
  /** Idempotent: a second call (shutdown after a test's or a caller's own stop) does nothing. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.started = false;
    this.socket.removeAllListeners();
    this.socket.stop();
    this.tracker.stop(new ComfyError("comfy_unreachable", "backend client stopped", { backendId: this.id }));
    this.setHealth({ online: false });
    await this.http.close();
  }

  /** Drops and reopens the socket (operator command, or a caller that saw the socket go stale). */
  reconnectSocket(reason: string): void {
    this.socket.reconnectNow(reason);
  }

  async refreshObjectInfo(): Promise<ObjectInfo> {
    const info = await this.http.getObjectInfo();
    this.info = info;
    this.emit("objectInfo", info);
    return info;
  }

  /**
   * Submits a prompt under our own id and follows it to its downloaded outputs. Rejects with a ComfyError;
   * an aborted `signal` cancels on the server and rejects with `comfy_cancelled` (not `comfy_interrupted`,
   * which means someone else stopped it).
   */
  async run(request: ComfyRunRequest): Promise<ComfyRunResult> {
    if (!promptIdPattern.test(request.promptId)) {
      throw new TypeError(`promptId must be a lowercase UUID, received ${JSON.stringify(request.promptId)}`);
    }
    return this.tracker.run(request);
  }

  /**
   * Follows a prompt submitted before a bot restart: in `/queue` → tracked over HTTP; in `/history` → its
   * outputs; in neither (twice in a row) → comfy_lost.
   */
  async attach(request: ComfyAttachRequest): Promise<ComfyRunResult> {
    return this.tracker.attach(request);
  }

  /**
   * Stores an input image on this host (`POST /upload/image`) for a prompt that will run here; see
   * ComfyHttp.uploadImage. Put `loadImageValue` of the answer into the LoadImage input. A job that
   * moves to another host must upload again there. Errors carry this backend's id.
   */
  async uploadImage(
    bytes: Uint8Array,
    fileName: string,
    options: UploadImageOptions & { signal?: AbortSignal } = {},
  ): Promise<UploadedImage> {
    try {
      return await this.http.uploadImage(bytes, fileName, options);
    } catch (error) {
      if (!isComfyError(error)) throw error;
      const tagged = error.withContext({ backendId: this.id });
      this.emit("uploadFailed", { error: tagged });
      throw tagged;
    }
  }

  /**
   * Deletes the prompt if pending and interrupts it (targeted, never bare) if running. Idempotent. A tracked
   * run then rejects with comfy_cancelled once ComfyUI confirms, or after `cancelConfirmMs`.
   */
  async cancel(promptId: string): Promise<void> {
    await this.tracker.cancel(promptId);
  }

  private async loadServerInfo(): Promise<void> {
    try {
      const stats = await this.http.getSystemStats();
      const version = stats.system.comfyui_version;
      this.setHealth(version !== undefined ? { version } : {});
      await this.refreshObjectInfo();
    } catch (error) {
      this.logger.warn({ err: error }, "could not load ComfyUI server info");
      this.setHealth({ lastError: (error as Error).message });
    }
  }

  private setHealth(patch: Partial<BackendHealth>): void {
    const next = { ...this.state, ...patch };
    if (patch.online === true) delete next.lastError;
    const keys = new Set([...Object.keys(next), ...Object.keys(this.state)]) as Set<keyof BackendHealth>;
    const changed = [...keys].some((key) => next[key] !== this.state[key]);
    this.state = next;
    if (changed) this.emit("health", next);
  }
}
