import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export type JobOutcome = "succeeded" | "failed" | "cancelled" | "refused" | "rate_limited";

export const jobOutcomes: readonly JobOutcome[] = [
  "succeeded",
  "failed",
  "cancelled",
  "refused",
  "rate_limited",
];

export interface BotMetricsOptions {
  /** Process metrics (CPU, memory, event loop lag, GC); off only in tests that want a small registry. */
  defaultMetrics?: boolean;
  /** Distinct values kept per free-form label (route, workflow, backend) before "other". */
  maxLabelValues?: number;
}

/** Generation runs from a couple of seconds (cached SD 1.5) to minutes (large SDXL batches). */
const jobDurationBuckets = [2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 450, 600];
/** A progress edit is a REST round trip, longer when discord.js waits out a 429. */
const editLatencyBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

/**
 * The bot's Prometheus metrics behind typed methods, so callers cannot invent label names
 * or put a user id or a prompt into a label. Label values that come from outside the code
 * (routes, workflow and backend names) are capped in number: past the cap they count as "other".
 */
export class BotMetrics {
  readonly registry = new Registry();
  readonly #queueDepth: Gauge;
  readonly #jobs: Counter<"outcome">;
  readonly #jobDuration: Histogram<"workflow" | "backend">;
  readonly #backendUp: Gauge<"backend">;
  readonly #discordRateLimited: Counter<"route">;
  readonly #editLatency: Histogram;
  readonly #routes: BoundedLabel;
  readonly #workflows: BoundedLabel;
  readonly #backends: BoundedLabel;

  constructor(options: BotMetricsOptions = {}) {
    const registers = [this.registry];
    const maxLabelValues = options.maxLabelValues ?? 100;
    this.#routes = new BoundedLabel(maxLabelValues);
    this.#workflows = new BoundedLabel(maxLabelValues);
    this.#backends = new BoundedLabel(maxLabelValues);
    this.#queueDepth = new Gauge({
      name: "comfycord_queue_depth",
      help: "Jobs waiting in the queue (not yet sent to a ComfyUI backend)",
      registers,
    });
    this.#jobs = new Counter({
      name: "comfycord_jobs_total",
      help: "Generation requests by how they ended",
      labelNames: ["outcome"],
      registers,
    });
    // Start every outcome at zero so rate() and alerts see the series before the first event.
    for (const outcome of jobOutcomes) this.#jobs.inc({ outcome }, 0);
    this.#jobDuration = new Histogram({
      name: "comfycord_job_duration_seconds",
      help: "Time from submission to ComfyUI until the job finished, by workflow and backend",
      labelNames: ["workflow", "backend"],
      buckets: jobDurationBuckets,
      registers,
    });
    this.#backendUp = new Gauge({
      name: "comfycord_backend_up",
      help: "1 when the ComfyUI backend is connected and accepting jobs, 0 otherwise",
      labelNames: ["backend"],
      registers,
    });
    this.#discordRateLimited = new Counter({
      name: "comfycord_discord_rate_limited_total",
      help: "Discord REST 429 responses by route",
      labelNames: ["route"],
      registers,
    });
    this.#editLatency = new Histogram({
      name: "comfycord_progress_edit_latency_seconds",
      help: "Time one progress message edit took, including rate-limit waits",
      buckets: editLatencyBuckets,
      registers,
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  setQueueDepth(depth: number): void {
    this.#queueDepth.set(depth);
  }

  recordJob(outcome: JobOutcome): void {
    this.#jobs.inc({ outcome });
  }

  observeJobDuration(labels: { workflow: string; backend: string }, seconds: number): void {
    this.#jobDuration.observe(
      { workflow: this.#workflows.value(labels.workflow), backend: this.#backends.value(labels.backend) },
      seconds,
    );
  }

  setBackendUp(backend: string, up: boolean): void {
    this.#backendUp.set({ backend: this.#backends.value(backend) }, up ? 1 : 0);
  }

  /** `route` as discord.js reports it in its `rateLimited` event; ids and tokens are stripped again here. */
  recordDiscordRateLimit(route: string): void {
    this.#discordRateLimited.inc({ route: this.#routes.value(normalizeRoute(route)) });
  }

  observeEditLatency(seconds: number): void {
    this.#editLatency.observe(seconds);
  }

  /** The exposition text for `/metrics`. */
  async render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/**
 * Replaces snowflakes and webhook tokens in a REST route so a label never carries an id:
 * `/webhooks/123/aW50ZXJhY3Rpb24/messages/@original` → `/webhooks/:id/:token/messages/@original`.
 */
export function normalizeRoute(route: string): string {
  return route
    .split("?")[0]!
    .replace(/\/webhooks\/([^/]+)\/[^/]+/, "/webhooks/$1/:token")
    .replace(/\/reactions\/.*/, "/reactions/:reaction")
    .replace(/\/\d{5,}(?=\/|$)/g, "/:id")
    .replace(/\/webhooks\/[^/:]+/, "/webhooks/:id")
    .slice(0, 120);
}

/** Keeps the first `max` distinct values; later ones collapse into "other" to bound series count. */
class BoundedLabel {
  readonly #seen = new Set<string>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  value(raw: string): string {
    if (this.#seen.has(raw)) return raw;
    if (this.#seen.size >= this.#max) return "other";
    this.#seen.add(raw);
    return raw;
  }
}
