import { EventEmitter } from "node:events";
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import WebSocket from "ws";
import { defaults } from "../config/defaults.js";
import { comfyEndpoint, type ComfyEndpoint } from "./comfy-endpoint.js";
import { parseBinaryFrame, parseTextFrame, type ComfyFrame, type PreviewFrame } from "./frames.js";

export interface ComfySocketOptions {
  /** The backend's HTTP base URL; the socket goes to `<base>/ws`. `user:password@` becomes basic auth. */
  url: string;
  /** Stable base clientId, persisted by the caller across bot restarts. */
  clientId: string;
  logger: Logger;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  /** `comfy.maxFrameBytes`: a larger frame drops the connection (then it reconnects). */
  maxFrameBytes?: number;
  backoff?: { initialMs: number; maxMs: number };
  random?: () => number;
  /** Distinguishes this process from a previous one that used the same base clientId. */
  bootNonce?: string;
  /**
   * The last clientId the previous bot process used, for this process's first connection only:
   * ComfyUI then streams the rest of that process's running prompt to us (progress, previews),
   * instead of leaving it to HTTP polling. Safe because the old process's socket closed when it
   * exited; if ComfyUI still held it, the deaf-socket check reconnects under a fresh id.
   */
  resumeClientId?: string | undefined;
}

export interface ComfySocketEvents {
  /** A connection is up and `feature_flags` was sent; `generation` counts connections of this process. */
  open: [{ clientId: string; generation: number }];
  frame: [ComfyFrame];
  preview: [PreviewFrame];
  close: [{ code: number; reason: string }];
}

/**
 * One persistent socket to one ComfyUI.
 *
 * Client ids: every connection uses `<base>-<bootNonce>-<generation>`. ComfyUI keys sockets by clientId and the
 * handler of a dying socket unregisters that id unconditionally (ComfyUI #16010), so reusing an id right after a
 * drop can leave the new socket silently deaf. A fresh suffix per connection sidesteps the race; the price is
 * that prompts submitted under an older id no longer reach us over the socket. The backend follows those over
 * HTTP (`/queue`, then `/history`) until they finish. A restarted bot is the same case: the base id is stable
 * (the caller persists it, and it is in each prompt's `extra_data.client_id` prefix), the boot nonce is new, and
 * the persisted prompt ids are reattached through `ComfyBackend.attach()`, which resyncs over HTTP.
 *
 * Liveness is ping/pong only: ComfyUI is silent when idle, so silence means nothing.
 */
export class ComfySocket extends EventEmitter<ComfySocketEvents> {
  private readonly options: ComfySocketOptions;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly random: () => number;
  private readonly bootNonce: string;
  private readonly maxFrameBytes: number;
  private readonly endpoint: ComfyEndpoint;
  private socket: WebSocket | undefined;
  private generation = 0;
  private attempt = 0;
  private stopped = true;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private pongTimer: NodeJS.Timeout | undefined;
  private hardBackoff = false;

  constructor(options: ComfySocketOptions) {
    super();
    this.options = options;
    this.backoff = options.backoff ?? { initialMs: 500, maxMs: 30_000 };
    this.random = options.random ?? Math.random;
    this.bootNonce = options.bootNonce ?? randomBytes(3).toString("hex");
    this.maxFrameBytes = options.maxFrameBytes ?? defaults.comfy.maxFrameBytes;
    this.endpoint = comfyEndpoint(options.url);
  }

  /** The clientId of the current (or next) connection: submit prompts with it. */
  get clientId(): string {
    if (this.generation === 1 && this.options.resumeClientId) return this.options.resumeClientId;
    return `${this.options.clientId}-${this.bootNonce}-${this.generation}`;
  }

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.dropSocket();
  }

  /** Drops the current connection and reconnects (used when HTTP shows the socket went deaf). */
  reconnectNow(reason: string): void {
    if (this.stopped) return;
    this.options.logger.warn({ reason }, "reconnecting ComfyUI socket");
    this.dropSocket();
    this.attempt = 0;
    this.scheduleReconnect();
  }

  private connect(): void {
    this.generation += 1;
    const base = new URL(this.endpoint.url);
    base.protocol = base.protocol === "https:" ? "wss:" : "ws:";
    base.pathname = `${base.pathname.replace(/\/+$/, "")}/ws`;
    base.search = new URLSearchParams({ clientId: this.clientId }).toString();
    const socket = new WebSocket(base, {
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
      // ws would otherwise take frames up to 100 MiB (a 90 MiB frame was accepted).
      maxPayload: this.maxFrameBytes,
      // Explicit rather than left in the URL, so HTTP and the socket send the same header.
      ...(this.endpoint.authorization === undefined
        ? {}
        : { headers: { authorization: this.endpoint.authorization } }),
    });
    this.socket = socket;
    socket.on("open", () => {
      this.attempt = 0;
      this.hardBackoff = false;
      // Must be the first frame: it switches previews to event 4, which names the prompt.
      socket.send(JSON.stringify({ type: "feature_flags", data: { supports_preview_metadata: true } }));
      this.startPing(socket);
      this.emit("open", { clientId: this.clientId, generation: this.generation });
    });
    socket.on("message", (data, isBinary) => {
      if (socket !== this.socket) return;
      const buffer = toBuffer(data);
      if (isBinary) {
        const preview = parseBinaryFrame(buffer);
        if (preview) this.emit("preview", preview);
        return;
      }
      const frame = parseTextFrame(buffer.toString("utf8"));
      if (frame) this.emit("frame", frame);
    });
    socket.on("pong", () => clearTimeout(this.pongTimer));
    socket.on("unexpected-response", (_request, response) => {
      // 401/403 is a configuration problem: hammering the server will not fix it.
      if (response.statusCode === 401 || response.statusCode === 403) this.hardBackoff = true;
      this.options.logger.warn({ status: response.statusCode }, "ComfyUI refused the socket upgrade");
      socket.terminate();
    });
    socket.on("error", (error) => {
      if ((error as { code?: unknown }).code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") {
        // ws closes the connection with 1009; the close handler reconnects, and prompts of this
        // connection are followed over HTTP from then on.
        this.options.logger.warn(
          { maxFrameBytes: this.maxFrameBytes },
          "ComfyUI sent a socket frame larger than comfy.maxFrameBytes; dropping the connection and reconnecting",
        );
        return;
      }
      this.options.logger.debug({ err: error }, "ComfyUI socket error");
    });
    socket.on("close", (code, reason) => {
      if (socket !== this.socket) return;
      this.stopPing();
      this.socket = undefined;
      this.emit("close", { code, reason: reason.toString("utf8") });
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    clearTimeout(this.reconnectTimer);
    const attempt = this.hardBackoff ? Infinity : this.attempt;
    this.attempt = Math.min(this.attempt + 1, 30);
    const delay = fullJitterDelay(attempt, this.backoff, this.random);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private startPing(socket: WebSocket): void {
    this.stopPing();
    this.pingTimer = setInterval(() => {
      if (socket.readyState !== WebSocket.OPEN) return;
      clearTimeout(this.pongTimer);
      this.pongTimer = setTimeout(() => {
        this.options.logger.warn("ComfyUI socket missed a pong; terminating");
        socket.terminate();
      }, this.options.pongTimeoutMs);
      socket.ping();
    }, this.options.pingIntervalMs);
  }

  private stopPing(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }

  /** Terminate, never close: a half-dead peer would keep a graceful close hanging. */
  private dropSocket(): void {
    this.stopPing();
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return;
    socket.removeAllListeners("message");
    socket.on("error", () => undefined);
    socket.terminate();
    this.emit("close", { code: 1006, reason: "terminated by client" });
  }
}

/** Full jitter: a random delay in [0, min(max, initial × 2^attempt)] (attempt counts from 0). */
export function fullJitterDelay(
  attempt: number,
  backoff: { initialMs: number; maxMs: number },
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt);
  return Math.round(random() * ceiling);
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
