import type { IncomingMessage, ServerResponse } from "node:http";
import type { FileStore } from "./file-store.js";
import { uploadImage } from "./upload-route.js";
import { viewFile } from "./view-route.js";
import { readBody, sendEmpty, sendJson, sendServerTrouble, sendText } from "./http-replies.js";
import type { ModelLists } from "./model-lists.js";
import type { NodeCatalog } from "./node-catalog.js";
import type { PromptQueue, QueueItem } from "./prompt-queue.js";
import { validatePrompt } from "./prompt-validator.js";
import { serverFeatures } from "./ws-hub.js";

/** What the HTTP routes need from the running simulator. */
export interface ApiBackend {
  catalog: NodeCatalog;
  files: FileStore;
  queue: () => PromptQueue;
  models: ModelLists;
  /** aiohttp's client_max_size (`--max-upload-size`): larger uploads get 413. */
  maxUploadBytes: number;
  argv: () => string[];
  nextNumber: () => number;
  newPromptId: () => string;
  enqueue: (item: QueueItem) => void;
  /** Interrupt the running prompt, or only `promptId` if it is the one running. */
  interrupt: (promptId?: string) => void;
}

class BadJson extends Error {}

const modelFolders = [
  "checkpoints",
  "configs",
  "loras",
  "vae",
  "text_encoders",
  "diffusion_models",
  "clip_vision",
  "style_models",
  "embeddings",
  "diffusers",
  "vae_approx",
  "controlnet",
  "gligen",
  "upscale_models",
  "custom_nodes",
  "hypernetworks",
  "photomaker",
  "classifiers",
  "model_patches",
  "audio_encoders",
];

async function readJson(req: IncomingMessage, emptyAs?: unknown): Promise<unknown> {
  const body = (await readBody(req)).toString("utf8");
  if (body.trim() === "" && emptyAs !== undefined) return emptyAs;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new BadJson();
  }
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function systemStats(argv: string[]): unknown {
  const ram = 25323552768;
  return {
    system: {
      os: "posix",
      ram_total: ram,
      ram_free: 24661700608,
      comfyui_version: "0.3.64",
      required_frontend_version: "1.27.10",
      installed_templates_version: null,
      required_templates_version: "0.1.95",
      python_version: "3.11.2 (main, Apr 28 2025, 14:11:48) [GCC 12.2.0]",
      pytorch_version: "1.13.0a0",
      embedded_python: false,
      argv,
    },
    devices: [
      {
        name: "cpu",
        type: "cpu",
        index: null,
        vram_total: ram,
        vram_free: 24661700608,
        torch_vram_total: ram,
        torch_vram_free: 24661700608,
      },
    ],
  };
}

/** ComfyUI's REST surface; every route also answers under `/api/`. */
export function createRequestHandler(
  api: ApiBackend,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    try {
      await route(api, req, res);
    } catch (error) {
      // aiohttp's answer to anything a handler throws, malformed JSON included.
      if (!res.headersSent) sendServerTrouble(res);
      else res.destroy();
      if (!(error instanceof BadJson)) throw error;
    }
  };
}

async function route(api: ApiBackend, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://simulator");
  const path = url.pathname.startsWith("/api/") ? url.pathname.slice(4) : url.pathname;
  const method = req.method ?? "GET";
  const queue = api.queue();
  const get = method === "GET" || method === "HEAD";

  if (get && path === "/") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end("<!doctype html><title>ComfyUI simulator</title><p>comfycord ComfyUI simulator</p>");
  } else if (get && path === "/system_stats") sendJson(res, 200, systemStats(api.argv()));
  else if (get && path === "/features") sendJson(res, 200, serverFeatures(api.maxUploadBytes));
  else if (get && (path === "/embeddings" || path === "/extensions")) sendJson(res, 200, []);
  else if (get && path === "/models") sendJson(res, 200, modelFolders);
  else if (get && path.startsWith("/models/")) {
    const folder = decodeURIComponent(path.slice("/models/".length));
    const files = api.models.forFolder(folder);
    if (files !== undefined) sendJson(res, 200, files);
    else if (modelFolders.includes(folder)) sendJson(res, 200, []);
    else sendText(res, 404, "404: Not Found");
  } else if (get && path === "/object_info") sendJson(res, 200, undefined, api.catalog.objectInfoJson());
  else if (get && path.startsWith("/object_info/")) {
    sendJson(
      res,
      200,
      undefined,
      api.catalog.objectInfoJson(decodeURIComponent(path.slice("/object_info/".length))),
    );
  } else if (get && path === "/prompt")
    sendJson(res, 200, { exec_info: { queue_remaining: queue.remaining() } });
  else if (method === "POST" && path === "/prompt") await postPrompt(api, req, res);
  else if (get && path === "/queue") sendJson(res, 200, queue.queueBody());
  else if (method === "POST" && path === "/queue") {
    const body = record(await readJson(req, {}));
    if (body["clear"] === true) queue.clear();
    if (Array.isArray(body["delete"])) for (const id of body["delete"]) queue.delete(String(id));
    sendEmpty(res);
  } else if (method === "POST" && path === "/interrupt") {
    const body = record(await readJson(req, {}));
    api.interrupt(typeof body["prompt_id"] === "string" ? body["prompt_id"] : undefined);
    sendEmpty(res);
  } else if (method === "POST" && path === "/free") {
    await readBody(req);
    sendEmpty(res);
  } else if (get && path === "/history") {
    const max = url.searchParams.get("max_items");
    const offset = Number(url.searchParams.get("offset") ?? 0);
    sendJson(res, 200, queue.historyBody(undefined, max === null ? undefined : Number(max), offset));
  } else if (get && path.startsWith("/history/")) {
    sendJson(res, 200, queue.historyBody(decodeURIComponent(path.slice("/history/".length))));
  } else if (method === "POST" && path === "/history") {
    const body = record(await readJson(req, {}));
    if (body["clear"] === true) queue.clearHistory();
    if (Array.isArray(body["delete"])) for (const id of body["delete"]) queue.deleteHistory(String(id));
    sendEmpty(res);
  } else if (get && path === "/view") viewFile(api.files, url, res);
  else if (method === "POST" && path === "/upload/image")
    await uploadImage(api.files, req, res, api.maxUploadBytes);
  else sendText(res, 404, "404: Not Found");
}

async function postPrompt(api: ApiBackend, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = record(await readJson(req));
  // ComfyUI takes a number before validating, so rejected prompts use one up too.
  const number = typeof body["number"] === "number" ? body["number"] : api.nextNumber();
  const front = body["front"] === true;
  if (!Object.hasOwn(body, "prompt")) {
    const error = {
      type: "no_prompt",
      message: "No prompt provided",
      details: "No prompt provided",
      extra_info: {},
    };
    sendJson(res, 400, { error, node_errors: {} });
    return;
  }
  const promptId =
    typeof body["prompt_id"] === "string" || typeof body["prompt_id"] === "number"
      ? String(body["prompt_id"])
      : api.newPromptId();
  const result = validatePrompt(body["prompt"], api.catalog);
  if (!result.ok) {
    sendJson(res, 400, { error: result.error, node_errors: result.nodeErrors });
    return;
  }
  const extraData = { ...record(body["extra_data"]) };
  if (Object.hasOwn(body, "client_id")) extraData["client_id"] = body["client_id"];
  const queued = front && typeof body["number"] !== "number" ? -number : number;
  api.enqueue({ number: queued, promptId, prompt: result.prompt, extraData, outputs: result.outputs });
  sendJson(res, 200, { prompt_id: promptId, number: queued, node_errors: result.nodeErrors });
}
