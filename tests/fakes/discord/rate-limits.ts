import { createHash } from "node:crypto";

export interface BucketRule {
  limit: number;
  windowMs: number;
}

/** Per-route limits. Discord does not document them; defaults follow values observed on the real Discord. */
export interface BucketRules {
  /** Interaction/webhook message routes, per application+token. */
  webhook: BucketRule;
  /** Channel message posts and edits, per channel. */
  channelMessages: BucketRule;
  /** Reaction routes, per channel. */
  reactions: BucketRule;
  /** The per-bot global limit; interaction and webhook routes are exempt. */
  global: BucketRule;
}

export const defaultBucketRules: BucketRules = {
  webhook: { limit: 5, windowMs: 2000 },
  channelMessages: { limit: 5, windowMs: 5000 },
  reactions: { limit: 1, windowMs: 250 },
  global: { limit: 50, windowMs: 1000 },
};

export type BucketName = Exclude<keyof BucketRules, "global">;

export interface LimitedRequest {
  method: string;
  path: string;
  /** Route template such as `/webhooks/:applicationId/:token/messages/@original`. */
  route: string;
  bucket: { name: BucketName; major: string } | null;
  exemptFromGlobal: boolean;
  /** Names of the files uploaded with the request, so a test can fail only the edit carrying a result. */
  fileNames?: string[];
}

/** `"PATCH /webhooks/..."` or a bare route template (any method), a RegExp on `METHOD /path`, or a predicate. */
export type RequestMatcher = string | RegExp | ((req: LimitedRequest) => boolean);

export interface Inject429Options {
  retryAfterSec: number;
  global?: boolean;
  scope?: "user" | "global" | "shared";
  /** How many matching requests get the 429 (default 1). */
  count?: number;
  /** Send X-RateLimit-Limit/Remaining/Reset-After/Bucket with it (default true). */
  bucketHeaders?: boolean;
}

export interface InjectErrorOptions {
  status: number;
  /** How many matching requests fail (default 1; unlimited with `forMs`). */
  count?: number;
  /** Fail every matching request for this long instead (an outage), on the fake's clock. */
  forMs?: number;
  body?: unknown;
}

export interface RateLimitHit {
  at: number;
  method: string;
  path: string;
  route: string;
  retryAfterSec: number;
  global: boolean;
  scope: string;
  injected: boolean;
}

export type LimitDecision =
  | { kind: "pass"; headers: Record<string, string> }
  | { kind: "reject"; status: number; headers: Record<string, string>; body: unknown };

interface Window {
  remaining: number;
  resetAt: number;
}

interface Injection {
  matcher: RequestMatcher;
  left: number;
  /** Past this time (the fake's clock) the injection is spent, whatever `left` says. */
  until?: number;
  respond: (req: LimitedRequest) => LimitDecision;
}

function matches(matcher: RequestMatcher, req: LimitedRequest): boolean {
  if (typeof matcher === "function") return matcher(req);
  if (matcher instanceof RegExp) return matcher.test(`${req.method} ${req.path}`);
  return matcher === req.route || matcher === `${req.method} ${req.route}`;
}

function bucketHash(name: string): string {
  return createHash("sha1").update(name).digest("hex").slice(0, 32);
}

/** Token buckets with real X-RateLimit-* headers, plus injectable 429s and 5xx answers. */
export class RateLimiter {
  readonly hits: RateLimitHit[] = [];
  readonly #windows = new Map<string, Window>();
  readonly #injections: Injection[] = [];

  constructor(
    private readonly rules: BucketRules,
    private readonly now: () => number,
  ) {}

  inject429(matcher: RequestMatcher, options: Inject429Options): void {
    const global = options.global ?? false;
    const scope = options.scope ?? (global ? "global" : "user");
    this.#injections.push({
      matcher,
      left: options.count ?? 1,
      respond: (req) => {
        const headers: Record<string, string> = {
          "Retry-After": String(options.retryAfterSec),
          "X-RateLimit-Scope": scope,
        };
        if (global) headers["X-RateLimit-Global"] = "true";
        if (options.bucketHeaders ?? true) {
          const rule = req.bucket ? this.rules[req.bucket.name] : { limit: 5 };
          Object.assign(headers, {
            "X-RateLimit-Limit": String(rule.limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": ((this.now() + options.retryAfterSec * 1000) / 1000).toFixed(3),
            "X-RateLimit-Reset-After": options.retryAfterSec.toFixed(3),
            "X-RateLimit-Bucket": bucketHash(req.bucket?.name ?? req.route),
          });
        }
        return this.#reject(req, options.retryAfterSec, global, scope, true, headers);
      },
    });
  }

  injectError(matcher: RequestMatcher, options: InjectErrorOptions): void {
    this.#injections.push({
      matcher,
      left: options.forMs === undefined ? (options.count ?? 1) : Number.POSITIVE_INFINITY,
      ...(options.forMs === undefined ? {} : { until: this.now() + options.forMs }),
      respond: () => ({
        kind: "reject",
        status: options.status,
        headers: {},
        body: options.body ?? { message: `${options.status}: Injected failure`, code: 0 },
      }),
    });
  }

  decide(req: LimitedRequest): LimitDecision {
    const now = this.now();
    const injection = this.#injections.find(
      (i) => i.left > 0 && (i.until === undefined || now < i.until) && matches(i.matcher, req),
    );
    if (injection) {
      injection.left -= 1;
      return injection.respond(req);
    }
    if (!req.exemptFromGlobal) {
      const global = this.#take("global", this.rules.global, now);
      if (!global.ok) {
        const retryAfterSec = (global.window.resetAt - now) / 1000;
        return this.#reject(req, retryAfterSec, true, "global", false, {
          "Retry-After": String(Math.ceil(retryAfterSec)),
          "X-RateLimit-Global": "true",
          "X-RateLimit-Scope": "global",
        });
      }
    }
    if (!req.bucket) return { kind: "pass", headers: {} };
    const rule = this.rules[req.bucket.name];
    const { ok, window } = this.#take(`${req.bucket.name}:${req.bucket.major}`, rule, now);
    const resetAfter = (window.resetAt - now) / 1000;
    const headers = {
      "X-RateLimit-Limit": String(rule.limit),
      "X-RateLimit-Remaining": String(window.remaining),
      "X-RateLimit-Reset": (window.resetAt / 1000).toFixed(3),
      "X-RateLimit-Reset-After": resetAfter.toFixed(3),
      "X-RateLimit-Bucket": bucketHash(req.bucket.name),
    };
    if (ok) return { kind: "pass", headers };
    return this.#reject(req, resetAfter, false, "user", false, {
      ...headers,
      "Retry-After": String(Math.ceil(resetAfter)),
      "X-RateLimit-Scope": "user",
    });
  }

  #take(key: string, rule: BucketRule, now: number): { ok: boolean; window: Window } {
    let window = this.#windows.get(key);
    if (!window || now >= window.resetAt) {
      window = { remaining: rule.limit, resetAt: now + rule.windowMs };
      this.#windows.set(key, window);
    }
    if (window.remaining === 0) return { ok: false, window };
    window.remaining -= 1;
    return { ok: true, window };
  }

  #reject(
    req: LimitedRequest,
    retryAfterSec: number,
    global: boolean,
    scope: string,
    injected: boolean,
    headers: Record<string, string>,
  ): LimitDecision {
    this.hits.push({
      at: this.now(),
      method: req.method,
      path: req.path,
      route: req.route,
      retryAfterSec,
      global,
      scope,
      injected,
    });
    return {
      kind: "reject",
      status: 429,
      headers,
      body: { message: "You are being rate limited.", retry_after: retryAfterSec, global, code: 0 },
    };
  }
}
