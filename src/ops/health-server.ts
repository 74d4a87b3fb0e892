import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { BotMetrics } from "./metrics.js";
import { OpsError } from "./ops-error.js";

export interface HealthChecks {
  /** The gateway connection is ready. */
  discord: boolean;
  backends: Array<{ id: string; up: boolean }>;
  /** The store answered a read. */
  store: boolean;
  /** Bot processes sharing Redis: who holds the conductor lease. Absent on SQLite. */
  lease?: LeaseHealth | undefined;
}

/** The conductor lease as `/healthz` shows it. */
export interface LeaseHealth {
  /** This process's id in the lease. */
  self: string;
  /** This process dispatches to ComfyUI now. */
  conducting: boolean;
  /** Who holds the lease, and its fence; absent while nobody does (a failover under way). */
  holder?: string | undefined;
  fence?: number | undefined;
}

export interface HealthReport extends HealthChecks {
  status: "ok" | "degraded" | "down";
  /**
   * What is not working, in words an operator greps for: "discord", "store", "backend <id>",
   * "conductor" (nobody holds the conductor lease), "checks".
   */
  down: string[];
}

export interface HealthServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  /** Loopback by default: metrics and health are for the operator's scraper, not the internet. */
  host?: string;
  metrics: BotMetrics;
  checks: () => Promise<HealthChecks>;
  logger: Logger;
  /** A check that hangs counts as down after this long, so the prober gets an answer. */
  checkTimeoutMs?: number;
}

export interface HealthServer {
  readonly host: string;
  readonly port: number;
  /** `http://host:port`, for logs and tests. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `/healthz` (200 while the bot can take jobs, 503 naming what is down) and `/metrics`
 * (Prometheus text). The caller starts it only when METRICS_PORT is set.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const host = options.host ?? "127.0.0.1";
  const logger = options.logger;
  const checkTimeoutMs = options.checkTimeoutMs ?? 5000;

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      logger.error({ err: error, url: request.url }, "health server request failed");
      if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      response.end("internal error\n");
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const pathname = new URL(request.url ?? "/", "http://localhost").pathname;
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
      response.end("method not allowed\n");
      return;
    }
    if (pathname === "/metrics") {
      const body = await options.metrics.render();
      response.writeHead(200, { "content-type": options.metrics.contentType, "cache-control": "no-store" });
      response.end(request.method === "HEAD" ? undefined : body);
      return;
    }
    if (pathname === "/healthz") {
      const report = await runChecks(options.checks, checkTimeoutMs, logger);
      response.writeHead(report.status === "down" ? 503 : 200, {
        "content-type": "application/json; charset=utf-8",
        "cache-control": "no-store",
      });
      response.end(request.method === "HEAD" ? undefined : `${JSON.stringify(report)}\n`);
      return;
    }
    response.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
    response.end("not found: try /healthz or /metrics\n");
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(new OpsError("listen_failed", listenFailure(host, options.port, error), { cause: error }));
    };
    server.once("error", onError);
    server.listen(options.port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  server.on("error", (error) => logger.error({ err: error }, "health server error"));

  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  logger.info({ host: address.address, port: address.port }, "metrics and health listening");
  return {
    host: address.address,
    port: address.port,
    url: `http://${urlHost}:${address.port}`,
    close: async () => {
      const closed = new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
      });
      // Scrapers keep connections alive; without this, close() waits for them to time out.
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Runs the caller's checks once and turns them into the report; a throw or a hang means down. */
export async function runChecks(
  checks: () => Promise<HealthChecks>,
  timeoutMs: number,
  logger: Logger,
): Promise<HealthReport> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      checks(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`health checks took over ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return toReport(result);
  } catch (error) {
    logger.warn({ err: error }, "health checks failed");
    return { status: "down", discord: false, backends: [], store: false, down: ["checks"] };
  } finally {
    clearTimeout(timer);
  }
}

function toReport(checks: HealthChecks): HealthReport {
  const down: string[] = [];
  if (!checks.discord) down.push("discord");
  if (!checks.store) down.push("store");
  for (const backend of checks.backends) if (!backend.up) down.push(`backend ${backend.id}`);
  const anyBackendUp = checks.backends.some((backend) => backend.up);
  if (!anyBackendUp && checks.backends.length === 0) down.push("backends (none configured)");
  // Without a conductor nothing is dispatched, but this process still admits and shows jobs, and
  // another process takes the lease within seconds: degraded, not down.
  if (checks.lease && checks.lease.holder === undefined) down.push("conductor");
  const usable = checks.discord && checks.store && anyBackendUp;
  const status = !usable ? "down" : down.length > 0 ? "degraded" : "ok";
  return {
    status,
    discord: checks.discord,
    store: checks.store,
    backends: checks.backends.map(({ id, up }) => ({ id, up })),
    ...(checks.lease ? { lease: checks.lease } : {}),
    down,
  };
}

/** One line for the operator: what the port's problem is and what to do (`METRICS_PORT`). */
function listenFailure(host: string, port: number, error: NodeJS.ErrnoException): string {
  const otherPort =
    "set another METRICS_PORT (or unset it to turn /healthz and /metrics off), then start again";
  if (error.code === "EADDRINUSE") {
    return `METRICS_PORT ${port} is already in use on ${host}: stop the program using it, or ${otherPort}.`;
  }
  if (error.code === "EACCES") {
    return `METRICS_PORT ${port} may not be opened on ${host} (EACCES; ports below 1024 need privileges): ${otherPort}.`;
  }
  if (error.code === "EADDRNOTAVAIL") {
    return `metrics.host ${host} is not an address of this machine (EADDRNOTAVAIL): fix metrics.host in the config, or ${otherPort}.`;
  }
  return `the metrics listener could not bind ${host}:${port} (${error.code ?? error.message}): ${otherPort}.`;
}
