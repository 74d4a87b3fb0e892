import { FormData, Pool, type Dispatcher } from "undici";
import type { z } from "zod";
import { comfyEndpoint } from "./comfy-endpoint.js";
import { ComfyError } from "./comfy-error.js";
import {
  featuresSchema,
  historySchema,
  promptAcceptedSchema,
  promptRejectedSchema,
  queueSchema,
  systemStatsSchema,
  type HistoryEntry,
  type ImageRef,
  type PromptAccepted,
  type QueueSnapshot,
  type ServerFeatures,
  type SystemStats,
} from "./comfy-responses.js";
import { objectInfoSchema, type ObjectInfo } from "./object-info.js";
import { defaults as configDefaults } from "../config/defaults.js";
import { readJson, readJsonOk } from "./read-json.js";
import { readViewAnswer, type ByteBudget, type DownloadedImage } from "./read-view.js";
import { requestFailure } from "./request-failure.js";
import {
  checkUploadTarget,
  readUploadAnswer,
  uploadForm,
  type UploadedImage,
  type UploadImageOptions,
} from "./upload-image.js";

export interface ComfyHttpOptions {
  /**
   * `http://host:8188` or a reverse-proxied `https://host/comfy`; `user:password@` in it is sent as
   * basic auth on every request (see comfy-endpoint.ts).
   */
  url: string;
  /** Whole-request deadline for JSON routes. */
  requestTimeoutMs?: number;
  /** `/object_info` is large and slow to build on busy servers. */
  objectInfoTimeoutMs?: number;
  connections?: number;
  /** `comfy.maxJsonBytes`: the largest JSON answer read; a longer one is cut off and refused. */
  maxJsonBytes?: number;
}

export interface CallOptions {
  signal?: AbortSignal | undefined;
}

export interface SubmitBody {
  prompt: unknown;
  client_id: string;
  prompt_id: string;
  extra_data?: Record<string, unknown>;
}

export type { ByteBudget, DownloadedImage } from "./read-view.js";

const defaults = {
  requestTimeoutMs: 10_000,
  objectInfoTimeoutMs: 60_000,
  connections: 8,
  maxJsonBytes: configDefaults.comfy.maxJsonBytes,
};

/** ComfyUI's HTTP routes over one keep-alive undici pool; every JSON response goes through a zod schema. */
export class ComfyHttp {
  readonly origin: string;
  private readonly basePath: string;
  private readonly pool: Pool;
  private readonly authorization: string | undefined;
  private readonly options: Required<Omit<ComfyHttpOptions, "url">>;

  constructor(options: ComfyHttpOptions) {
    const endpoint = comfyEndpoint(options.url);
    this.authorization = endpoint.authorization;
    const url = new URL(endpoint.url);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, "");
    this.options = {
      requestTimeoutMs: options.requestTimeoutMs ?? defaults.requestTimeoutMs,
      objectInfoTimeoutMs: options.objectInfoTimeoutMs ?? defaults.objectInfoTimeoutMs,
      connections: options.connections ?? defaults.connections,
      maxJsonBytes: options.maxJsonBytes ?? defaults.maxJsonBytes,
    };
    // HTTP/1.1 as before undici 8, which would otherwise negotiate HTTP/2 with an https reverse proxy.
    this.pool = new Pool(this.origin, {
      connections: this.options.connections,
      keepAliveTimeout: 30_000,
      allowH2: false,
    });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /**
   * Submits a prompt. A 400 becomes `comfy_validation`; a 200 is returned as is, including a non-empty
   * `node_errors` (the caller decides what a partial acceptance means).
   */
  async postPrompt(body: SubmitBody, options: CallOptions = {}): Promise<PromptAccepted> {
    return this.call("POST", "/prompt", options, body, async (response) => {
      if (response.statusCode === 400) {
        const rejected = this.parse(
          promptRejectedSchema,
          await readJson(response, "POST /prompt", this.options.maxJsonBytes),
          "/prompt",
        );
        throw new ComfyError("comfy_validation", `prompt rejected: ${rejected.error.message}`, {
          status: 400,
          validation: { error: rejected.error, nodeErrors: rejected.node_errors },
        });
      }
      return this.parse(
        promptAcceptedSchema,
        await readJsonOk(response, "POST", "/prompt", this.options.maxJsonBytes),
        "/prompt",
      );
    });
  }

  async getQueue(options: CallOptions = {}): Promise<QueueSnapshot> {
    return this.getJson("/queue", queueSchema, options);
  }

  /** The history entry of one prompt, or undefined while it is pending/running or unknown (ComfyUI says `{}`). */
  async getHistory(promptId: string, options: CallOptions = {}): Promise<HistoryEntry | undefined> {
    const path = `/history/${encodeURIComponent(promptId)}`;
    const history = await this.getJson(path, historySchema, options);
    return history[promptId];
  }

  async getObjectInfo(options: CallOptions = {}): Promise<ObjectInfo> {
    return this.getJson("/object_info", objectInfoSchema, options, this.options.objectInfoTimeoutMs);
  }

  async getSystemStats(options: CallOptions = {}): Promise<SystemStats> {
    return this.getJson("/system_stats", systemStatsSchema, options);
  }

  async getFeatures(options: CallOptions = {}): Promise<ServerFeatures> {
    return this.getJson("/features", featuresSchema, options);
  }

  /** Targeted interrupt: a no-op on the server unless this prompt is the one running. Never sent bare. */
  async interrupt(target: { prompt_id: string }, options: CallOptions = {}): Promise<void> {
    await this.call("POST", "/interrupt", options, { prompt_id: target.prompt_id }, drainOk("/interrupt"));
  }

  /** Removes pending prompts; running ones are untouched (ComfyUI's rule). */
  async deleteFromQueue(promptIds: string[], options: CallOptions = {}): Promise<void> {
    await this.call("POST", "/queue", options, { delete: promptIds }, drainOk("/queue"));
  }

  /**
   * Stops one prompt wherever it is: delete first (pending), interrupt second (running), so a prompt that
   * starts between the two calls is still caught. Harmless for a prompt that already finished.
   */
  async cancelPrompt(promptId: string, options: CallOptions = {}): Promise<void> {
    await this.deleteFromQueue([promptId], options);
    await this.interrupt({ prompt_id: promptId }, options);
  }

  /**
   * Downloads one output through `/view`, streaming, and gives up past `maxBytes`
   * (announced by Content-Length or discovered while reading) with `comfy_output_too_large`.
   */
  async view(
    ref: ImageRef,
    options: CallOptions & { maxBytes: number; timeoutMs?: number; budget?: ByteBudget },
  ): Promise<DownloadedImage> {
    const query = new URLSearchParams({ filename: ref.filename, subfolder: ref.subfolder, type: ref.type });
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs * 6;
    return this.call(
      "GET",
      `/view?${query.toString()}`,
      options,
      undefined,
      (response) => readViewAnswer(response, ref, options),
      timeoutMs,
      "download",
    );
  }

  /**
   * Stores `bytes` on the host with `POST /upload/image` (multipart) and returns ComfyUI's answer
   * with the value for a LoadImage input. Upload to the host that will run the prompt: each host
   * has its own input folder. Errors: `comfy_validation` when the host refuses the file (400, 413),
   * otherwise as every request. Throws TypeError for a file name with a path in it.
   */
  async uploadImage(
    bytes: Uint8Array,
    fileName: string,
    options: UploadImageOptions & CallOptions & { timeoutMs?: number } = {},
  ): Promise<UploadedImage> {
    checkUploadTarget(fileName, options.subfolder ?? "");
    const form = uploadForm(bytes, fileName, options);
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs * 6;
    return this.call(
      "POST",
      "/upload/image",
      options,
      form,
      (response) => readUploadAnswer(response, fileName, this.options.maxJsonBytes),
      timeoutMs,
    );
  }

  private async getJson<S extends z.ZodType>(
    path: string,
    schema: S,
    options: CallOptions,
    timeoutMs?: number,
  ): Promise<z.output<S>> {
    return this.call(
      "GET",
      path,
      options,
      undefined,
      async (response) =>
        this.parse(schema, await readJsonOk(response, "GET", path, this.options.maxJsonBytes), path),
      timeoutMs,
    );
  }

  private parse<S extends z.ZodType>(schema: S, value: unknown, path: string): z.output<S> {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      throw new ComfyError(
        "comfy_bad_response",
        `unexpected response from ${path}: ${parsed.error.message}`,
        {
          cause: parsed.error,
        },
      );
    }
    return parsed.data;
  }

  /** One request with a whole-request deadline chained onto the caller's signal; undici errors become codes. */
  private async call<T>(
    method: "GET" | "POST",
    path: string,
    options: CallOptions,
    body: unknown,
    handle: (response: Dispatcher.ResponseData) => Promise<T>,
    timeoutMs = this.options.requestTimeoutMs,
    timeoutKind: "request" | "download" = "request",
  ): Promise<T> {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    const label = `${method} ${path.split("?")[0] ?? path}`;
    try {
      const response = await this.pool.request({
        method,
        path: this.basePath + path,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        // undici writes a FormData body as multipart with its own content-type and boundary.
        headers: {
          ...(this.authorization === undefined ? {} : { authorization: this.authorization }),
          ...(body === undefined || body instanceof FormData ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: body instanceof FormData ? body : JSON.stringify(body) }),
      });
      return await handle(response);
    } catch (error) {
      throw requestFailure(error, { label, timeoutMs, timeoutKind, deadline, callerSignal: options.signal });
    }
  }
}

function drainOk(path: string): (response: Dispatcher.ResponseData) => Promise<void> {
  return async (response) => {
    await response.body.dump();
    if (response.statusCode !== 200) {
      throw new ComfyError("comfy_bad_response", `${path} answered ${response.statusCode}`, {
        status: response.statusCode,
      });
    }
  };
}
