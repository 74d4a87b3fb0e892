import type { WebSocket } from "ws";

interface ClientConn {
  ws: WebSocket;
  sid: string;
  supportsPreviewMetadata: boolean;
}

/** Where a frame goes: one client id, or `null` for every registered socket (ComfyUI's `sid=None`). */
export type Recipient = string | null;

export interface PreviewImage {
  nodeId: string;
  promptId: string;
  jpeg: Buffer;
}

/** `/features` and the `feature_flags` answer; `max_upload_size` is `--max-upload-size` in bytes. */
export function serverFeatures(maxUploadBytes: number): Record<string, unknown> {
  return { supports_preview_metadata: true, max_upload_size: maxUploadBytes };
}

/** The sockets of ComfyUI's PromptServer: one registered socket per client id, the newest wins. */
export class WsHub {
  private readonly registered = new Map<string, ClientConn>();
  private readonly open = new Set<WebSocket>();
  private deaf = false;

  constructor(
    private readonly hooks: {
      newSid: () => string;
      queueRemaining: () => number;
      /** The node running for this client, if any: a reconnecting client is told about it. */
      runningNodeFor: (sid: string) => string | undefined;
      maxUploadBytes: number;
    },
  ) {}

  setDeaf(deaf: boolean): void {
    this.deaf = deaf;
  }

  accept(ws: WebSocket, clientId: string | null): void {
    const sid = clientId !== null && clientId !== "" ? clientId : this.hooks.newSid();
    const conn: ClientConn = { ws, sid, supportsPreviewMetadata: false };
    this.open.add(ws);
    // A second socket with the same id silently replaces the first, which then receives nothing.
    this.registered.set(sid, conn);
    let firstMessage = true;
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      const wasFirst = firstMessage;
      firstMessage = false;
      if (!wasFirst) return;
      const message = parseJson(
        Buffer.isBuffer(data)
          ? data.toString()
          : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString(),
      );
      if (message?.["type"] !== "feature_flags") return;
      const flags = message["data"];
      conn.supportsPreviewMetadata =
        typeof flags === "object" &&
        flags !== null &&
        (flags as Record<string, unknown>)["supports_preview_metadata"] === true;
      this.sendFrame(
        conn,
        JSON.stringify({ type: "feature_flags", data: serverFeatures(this.hooks.maxUploadBytes) }),
      );
    });
    ws.on("close", () => {
      this.open.delete(ws);
      // ComfyUI pops the id on any close, even when a newer socket had taken it over; we do the same
      // so clients meet the real behaviour.
      this.registered.delete(sid);
    });
    ws.on("error", () => undefined);
    this.sendFrame(
      conn,
      JSON.stringify({
        type: "status",
        data: { status: { exec_info: { queue_remaining: this.hooks.queueRemaining() } }, sid },
      }),
    );
    const node = this.hooks.runningNodeFor(sid);
    if (node !== undefined) this.sendFrame(conn, JSON.stringify({ type: "executing", data: { node } }));
  }

  send(type: string, data: unknown, to: Recipient): void {
    const text = JSON.stringify({ type, data });
    for (const conn of this.recipients(to)) this.sendFrame(conn, text);
  }

  broadcastStatus(queueRemaining: number): void {
    this.send("status", { status: { exec_info: { queue_remaining: queueRemaining } } }, null);
  }

  /**
   * One sampler step. ComfyUI decides the preview format from the prompt's client (not per socket):
   * metadata clients get progress_state, BINARY 4, progress; everyone else progress_state, progress, BINARY 1.
   */
  sendStep(
    to: Recipient,
    progressState: unknown,
    progress: unknown,
    preview: PreviewImage | undefined,
  ): void {
    const withMetadata = to !== null && this.registered.get(to)?.supportsPreviewMetadata === true;
    this.send("progress_state", progressState, to);
    if (preview !== undefined && withMetadata) this.sendBinary(to, encodePreviewWithMetadata(preview));
    this.send("progress", progress, to);
    if (preview !== undefined && !withMetadata) this.sendBinary(to, encodeLegacyPreview(preview.jpeg));
  }

  /** Like SIGKILL: TCP connections dropped without a close frame (clients see 1006). */
  terminateAll(): void {
    for (const ws of this.open) ws.terminate();
    this.open.clear();
    this.registered.clear();
  }

  /** A clean shutdown: close frames (1001), then whatever has not closed within `graceMs` is dropped. */
  async closeAll(graceMs = 200): Promise<void> {
    this.registered.clear();
    const sockets = [...this.open];
    const closed = sockets.map((ws) => new Promise<void>((resolve) => ws.once("close", () => resolve())));
    for (const ws of sockets) ws.close(1001);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(closed),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
    this.terminateAll();
  }

  private sendBinary(to: Recipient, bytes: Buffer): void {
    for (const conn of this.recipients(to)) this.sendFrame(conn, bytes);
  }

  private recipients(to: Recipient): ClientConn[] {
    if (to === null) return [...this.registered.values()];
    const conn = this.registered.get(to);
    return conn === undefined ? [] : [conn];
  }

  private sendFrame(conn: ClientConn, payload: string | Buffer): void {
    if (this.deaf || conn.ws.readyState !== conn.ws.OPEN) return;
    conn.ws.send(payload);
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function encodeLegacyPreview(jpeg: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(1, 0);
  head.writeUInt32BE(1, 4); // 1 = JPEG
  return Buffer.concat([head, jpeg]);
}

function encodePreviewWithMetadata(preview: PreviewImage): Buffer {
  const fields = {
    node_id: preview.nodeId,
    prompt_id: preview.promptId,
    display_node_id: preview.nodeId,
    parent_node_id: null,
    real_node_id: preview.nodeId,
    image_type: "image/jpeg",
  };
  // Python's json.dumps spacing, so the header length matches the recorded frames.
  const json = `{${Object.entries(fields)
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join(", ")}}`;
  const metadata = Buffer.from(json);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(4, 0);
  head.writeUInt32BE(metadata.length, 4);
  return Buffer.concat([head, metadata, preview.jpeg]);
}
