import type { IncomingMessage, ServerResponse } from "node:http";
import { DiscordApiError } from "./discord-api-error.js";
import type { BucketName, RateLimiter } from "./rate-limits.js";
import type { Recorder } from "./recorder.js";
import type { ParsedBody, UploadedFile } from "./request-body.js";
import { parseRequestBody } from "./request-body.js";

export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: ParsedBody;
}

export type RouteResult =
  { status?: number; json: unknown } | { status?: number; bytes: Buffer; contentType: string } | undefined;

export interface RouteDefinition {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Template under /api/v10 (or under the host root when `cdn` is set), e.g. `/channels/:channelId`. */
  route: string;
  /** Bot routes need `Authorization: Bot <token>`; interaction/webhook routes carry none. */
  auth: "bot" | "none";
  cdn?: boolean;
  bucket?: (params: Record<string, string>) => { name: BucketName; major: string };
  /** Interaction and webhook routes are not bound to the global limit. */
  exemptFromGlobal?: boolean;
  handle(ctx: RouteContext): RouteResult | Promise<RouteResult>;
}

export interface RecordedFile {
  field: string;
  name: string;
  size: number;
  contentType: string;
  bytes: Buffer;
}

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  /** The path with interaction/webhook tokens masked, for logs and failure messages. */
  short: string;
  query: Record<string, string>;
  /** Route template, or `unmatched`. */
  route: string;
  authScheme: string | null;
  status: number;
  json: unknown;
  fields: Record<string, string>;
  files: RecordedFile[];
  error: { code: number; message: string } | null;
  /** Response body as sent (JSON routes only). */
  response: unknown;
}

const API_PREFIX = "/api/v10";

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** discord.js encodes `@original` and emojis in paths, so segments are compared decoded. */
function matchTemplate(template: string, path: string): Record<string, string> | undefined {
  const want = template.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const actual = safeDecode(got[i] ?? "");
    if (part.startsWith(":")) {
      if (actual === "") return undefined;
      params[part.slice(1)] = actual;
    } else if (part !== actual) {
      return undefined;
    }
  }
  return params;
}

function maskTokens(path: string): string {
  return path
    .replace(/^(\/api\/v10\/interactions\/\d+\/)[^/]+/, "$1:token")
    .replace(/^(\/api\/v10\/webhooks\/\d+\/)[^/]+/, "$1:token");
}

function recordFiles(files: UploadedFile[]): RecordedFile[] {
  return files.map(({ field, name, size, contentType, bytes }) => ({
    field,
    name,
    size,
    contentType,
    bytes,
  }));
}

/** Matches requests to routes, checks auth and rate limits, renders Discord-shaped errors, records all. */
export class Router {
  readonly #routes: RouteDefinition[] = [];

  constructor(
    private readonly deps: {
      botToken: string;
      limiter: RateLimiter;
      requests: Recorder<RecordedRequest>;
      now: () => number;
    },
  ) {}

  add(...routes: RouteDefinition[]): void {
    this.#routes.push(...routes);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = req.method ?? "GET";
    const record: RecordedRequest = {
      at: this.deps.now(),
      method,
      path: url.pathname,
      short: maskTokens(url.pathname),
      query: Object.fromEntries(url.searchParams),
      route: "unmatched",
      authScheme: req.headers.authorization?.split(" ")[0] ?? null,
      status: 0,
      json: undefined,
      fields: {},
      files: [],
      error: null,
      response: undefined,
    };
    let status: number;
    let headers: Record<string, string> = {};
    let payload: Buffer | undefined;
    let contentType = "application/json";
    try {
      const body = await parseRequestBody(req);
      Object.assign(record, { json: body.json, fields: body.fields, files: recordFiles(body.files) });
      const found = this.#find(method, url.pathname);
      if (!found) throw new DiscordApiError(this.#anyMethod(url.pathname) ? "methodNotAllowed" : "notFound");
      const { route, params } = found;
      record.route = route.route;
      if (route.auth === "bot" && req.headers.authorization !== `Bot ${this.deps.botToken}`) {
        throw new DiscordApiError("unauthorized");
      }
      const decision = route.cdn
        ? { kind: "pass" as const, headers: {} }
        : this.deps.limiter.decide({
            method,
            path: url.pathname,
            route: route.route,
            bucket: route.bucket?.(params) ?? null,
            exemptFromGlobal: route.exemptFromGlobal ?? false,
            fileNames: body.files.map((file) => file.name),
          });
      headers = decision.headers;
      if (decision.kind === "reject") {
        status = decision.status;
        payload = Buffer.from(JSON.stringify(decision.body));
        record.response = decision.body;
      } else {
        const result = await route.handle({ params, query: url.searchParams, body });
        if (result === undefined) {
          status = 204;
        } else if ("json" in result) {
          status = result.status ?? 200;
          payload = Buffer.from(JSON.stringify(result.json));
          record.response = result.json;
        } else {
          status = result.status ?? 200;
          payload = result.bytes;
          contentType = result.contentType;
        }
      }
    } catch (error) {
      const apiError =
        error instanceof DiscordApiError
          ? error
          : error instanceof SyntaxError
            ? new DiscordApiError("invalidFormBody")
            : undefined;
      // A bug in the fake itself still answers (500), so the client under test sees a failure, not a hang.
      const body = apiError?.toJSON() ?? { message: `500: fake Discord bug: ${String(error)}`, code: 0 };
      status = apiError?.status ?? 500;
      record.error = { code: body.code, message: body.message };
      record.response = body;
      payload = Buffer.from(JSON.stringify(body));
    }
    record.status = status;
    res.writeHead(status, { ...headers, ...(payload ? { "Content-Type": contentType } : {}) });
    res.end(payload);
    this.deps.requests.push(record);
  }

  #find(
    method: string,
    pathname: string,
  ): { route: RouteDefinition; params: Record<string, string> } | undefined {
    for (const route of this.#routes) {
      if (route.method !== method) continue;
      const prefix = route.cdn ? "" : API_PREFIX;
      if (!pathname.startsWith(prefix)) continue;
      const params = matchTemplate(route.route, pathname.slice(prefix.length));
      if (params) return { route, params };
    }
    return undefined;
  }

  #anyMethod(pathname: string): boolean {
    return this.#routes.some((route) =>
      matchTemplate(route.route, pathname.slice(route.cdn ? 0 : API_PREFIX.length)),
    );
  }
}
