import WebSocket from "ws";
import { eventually } from "../support/eventually.js";

export interface Frame {
  type: string;
  data: Record<string, unknown>;
}

/** A WS client that records every frame; `waitFor` resolves once its frames match. */
export class WsCollector {
  readonly frames: Frame[] = [];
  readonly binaries: Buffer[] = [];
  closeCode: number | undefined;
  private readonly ws: WebSocket;

  private constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on("message", (data: Buffer, isBinary) => {
      if (isBinary) this.binaries.push(data);
      else this.frames.push(JSON.parse(data.toString()) as Frame);
    });
    this.ws.on("close", (code) => {
      this.closeCode = code;
    });
    this.ws.on("error", () => undefined);
  }

  static async open(
    baseUrl: string,
    clientId?: string,
    featureFlags?: Record<string, unknown>,
  ): Promise<WsCollector> {
    const query = clientId === undefined ? "" : `?clientId=${clientId}`;
    const collector = new WsCollector(`${baseUrl.replace("http", "ws")}/ws${query}`);
    await new Promise<void>((resolve, reject) => {
      collector.ws.once("open", () => resolve());
      collector.ws.once("error", reject);
    });
    if (featureFlags !== undefined)
      collector.ws.send(JSON.stringify({ type: "feature_flags", data: featureFlags }));
    return collector;
  }

  get socket(): WebSocket {
    return this.ws;
  }

  types(): string[] {
    return this.frames.map((f) => f.type);
  }

  async waitFor(predicate: (c: WsCollector) => boolean, timeoutMs = 5000): Promise<void> {
    await eventually(
      () => predicate(this),
      () => `matching frames; frames so far: ${this.types().join(",")}`,
      { timeoutMs },
    );
  }

  /** See `roundTrip`. */
  async roundTrip(): Promise<void> {
    await roundTrip(this.ws);
  }

  /** Resolves on `executing {node: null}` for this prompt: the end of every run. */
  async waitDone(promptId: string): Promise<void> {
    await this.waitFor((c) =>
      c.frames.some(
        (f) => f.type === "executing" && f.data["node"] === null && f.data["prompt_id"] === promptId,
      ),
    );
  }

  close(): void {
    this.ws.close();
  }
}

/**
 * Pings and resolves on the pong. The server sends in order, so every frame it sent before answering
 * has arrived: the way to show that something was *not* sent up to a point.
 */
export async function roundTrip(ws: WebSocket): Promise<void> {
  const pong = new Promise<void>((resolve) => ws.once("pong", () => resolve()));
  ws.ping();
  await pong;
}

export function fakeGraph(seed: number, steps = 3, text = "a cat", prefix = "test"): Record<string, unknown> {
  return {
    "1": { class_type: "FakeSampler", inputs: { seed, steps, width: 64, height: 64, prompt: text } },
    "2": { class_type: "SaveImage", inputs: { images: ["1", 0], filename_prefix: prefix } },
  };
}

export function sdGraph(opts: {
  seed: number;
  ckpt: string;
  text?: string;
  width?: number;
  height?: number;
  batch?: number;
  steps?: number;
}): Record<string, unknown> {
  return {
    "4": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: opts.ckpt } },
    "6": { class_type: "CLIPTextEncode", inputs: { text: opts.text ?? "a cat", clip: ["4", 1] } },
    "7": { class_type: "CLIPTextEncode", inputs: { text: "blurry", clip: ["4", 1] } },
    "5": {
      class_type: "EmptyLatentImage",
      inputs: { width: opts.width ?? 512, height: opts.height ?? 512, batch_size: opts.batch ?? 1 },
    },
    "3": {
      class_type: "KSampler",
      inputs: {
        seed: opts.seed,
        steps: opts.steps ?? 3,
        cfg: 7,
        sampler_name: "euler",
        scheduler: "normal",
        denoise: 1,
        model: ["4", 0],
        positive: ["6", 0],
        negative: ["7", 0],
        latent_image: ["5", 0],
      },
    },
    "8": { class_type: "VAEDecode", inputs: { samples: ["3", 0], vae: ["4", 2] } },
    "9": { class_type: "SaveImage", inputs: { images: ["8", 0], filename_prefix: "bot" } },
  };
}

export async function submit(
  baseUrl: string,
  prompt: unknown,
  clientId?: string,
  extra: Record<string, unknown> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}/prompt`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt, ...(clientId === undefined ? {} : { client_id: clientId }), ...extra }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  return response.json();
}
