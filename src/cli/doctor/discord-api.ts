import type { z } from "zod";

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** A Discord REST answer: the status and the parsed body (undefined when it was not JSON). */
export interface DiscordReply {
  status: number;
  body: unknown;
}

/** Thrown when Discord's API cannot be reached at all (DNS, refused, timeout). */
export class DiscordUnreachableError extends Error {
  override readonly name = "DiscordUnreachableError";
}

/**
 * The few read-only Discord routes the doctor needs, over plain fetch: no gateway, no discord.js
 * client, so a check never logs the bot in or touches its session limit.
 */
export class DiscordApi {
  readonly apiUrl: string;
  readonly #token: string;
  readonly #fetch: FetchLike;
  readonly #timeoutMs: number;

  constructor(options: { apiUrl: string; token: string; fetch?: FetchLike; timeoutMs?: number }) {
    this.apiUrl = options.apiUrl.replace(/\/+$/, "");
    this.#token = options.token;
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  async get(route: string): Promise<DiscordReply> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.apiUrl}/v10${route}`, {
        headers: { Authorization: `Bot ${this.#token}`, "User-Agent": "comfycord-doctor" },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: unknown } }).cause;
      const detail = typeof cause?.code === "string" ? cause.code : (error as Error).message;
      throw new DiscordUnreachableError(`Discord's API at ${this.apiUrl} is unreachable (${detail})`, {
        cause: error,
      });
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = undefined;
    }
    return { status: response.status, body };
  }

  /** GET that must answer 200 with this shape; anything else is described in one line. */
  async getOk<S extends z.ZodType>(
    route: string,
    schema: S,
  ): Promise<{ ok: true; value: z.output<S> } | { ok: false; status: number; message: string }> {
    const reply = await this.get(route);
    if (reply.status === 200) {
      const parsed = schema.safeParse(reply.body);
      if (parsed.success) return { ok: true, value: parsed.data };
      return { ok: false, status: 200, message: `unexpected answer from ${route}` };
    }
    return { ok: false, status: reply.status, message: describeDiscordError(route, reply) };
  }
}

function describeDiscordError(route: string, reply: DiscordReply): string {
  const body = reply.body as { message?: unknown; code?: unknown } | undefined;
  const message = typeof body?.message === "string" ? body.message : "no details";
  const code = typeof body?.code === "number" ? ` ${body.code}` : "";
  return `GET ${route} answered ${reply.status}${code}: ${message}`;
}
