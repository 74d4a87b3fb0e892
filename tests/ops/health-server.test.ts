import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startHealthServer, type HealthChecks, type HealthServer } from "../../src/ops/health-server.js";
import { BotMetrics } from "../../src/ops/metrics.js";
import { OpsError } from "../../src/ops/ops-error.js";
import { parseExposition, sampleValue } from "./exposition.js";

const logger = pino({ level: "silent" });
const servers: HealthServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(async (server) => server.close()));
});

async function start(
  checks: () => Promise<HealthChecks>,
  metrics = new BotMetrics(),
  checkTimeoutMs?: number,
) {
  const server = await startHealthServer({
    port: 0,
    metrics,
    checks,
    logger,
    ...(checkTimeoutMs === undefined ? {} : { checkTimeoutMs }),
  });
  servers.push(server);
  return server;
}

describe("the /metrics endpoint", () => {
  it("exposes every comfycord series with the values the bot recorded, in Prometheus text", async () => {
    const metrics = new BotMetrics();
    metrics.setQueueDepth(7);
    metrics.recordJob("succeeded");
    metrics.recordJob("succeeded");
    metrics.recordJob("rate_limited");
    metrics.observeJobDuration({ workflow: "sdxl", backend: "gpu-1" }, 12);
    metrics.observeJobDuration({ workflow: "sdxl", backend: "gpu-1" }, 700);
    metrics.setBackendUp("gpu-1", true);
    metrics.setBackendUp("gpu-2", false);
    metrics.recordDiscordRateLimit("/channels/112233445566778899/messages/998877665544332211");
    metrics.observeEditLatency(0.3);
    const server = await start(() => Promise.resolve({ discord: true, backends: [], store: true }), metrics);

    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const exposition = parseExposition(await response.text());

    expect(exposition.types.get("comfycord_queue_depth")).toBe("gauge");
    expect(sampleValue(exposition, "comfycord_queue_depth")).toBe(7);
    expect(exposition.types.get("comfycord_jobs_total")).toBe("counter");
    expect(sampleValue(exposition, "comfycord_jobs_total", { outcome: "succeeded" })).toBe(2);
    expect(sampleValue(exposition, "comfycord_jobs_total", { outcome: "rate_limited" })).toBe(1);
    for (const outcome of ["failed", "cancelled", "refused"]) {
      expect(sampleValue(exposition, "comfycord_jobs_total", { outcome })).toBe(0);
    }
    expect(exposition.types.get("comfycord_job_duration_seconds")).toBe("histogram");
    const job = { workflow: "sdxl", backend: "gpu-1" };
    expect(sampleValue(exposition, "comfycord_job_duration_seconds_count", job)).toBe(2);
    expect(sampleValue(exposition, "comfycord_job_duration_seconds_sum", job)).toBe(712);
    expect(sampleValue(exposition, "comfycord_job_duration_seconds_bucket", { ...job, le: "2" })).toBe(0);
    expect(sampleValue(exposition, "comfycord_job_duration_seconds_bucket", { ...job, le: "15" })).toBe(1);
    expect(sampleValue(exposition, "comfycord_job_duration_seconds_bucket", { ...job, le: "600" })).toBe(1);
    expect(sampleValue(exposition, "comfycord_job_duration_seconds_bucket", { ...job, le: "+Inf" })).toBe(2);
    expect(sampleValue(exposition, "comfycord_backend_up", { backend: "gpu-1" })).toBe(1);
    expect(sampleValue(exposition, "comfycord_backend_up", { backend: "gpu-2" })).toBe(0);
    expect(
      sampleValue(exposition, "comfycord_discord_rate_limited_total", {
        route: "/channels/:id/messages/:id",
      }),
    ).toBe(1);
    expect(sampleValue(exposition, "comfycord_progress_edit_latency_seconds_count")).toBe(1);
    expect(sampleValue(exposition, "comfycord_progress_edit_latency_seconds_sum")).toBeCloseTo(0.3);
    expect(exposition.types.get("process_cpu_user_seconds_total")).toBe("counter");
    expect(exposition.types.has("nodejs_eventloop_lag_seconds")).toBe(true);
  });

  it("never puts an id or a webhook token into a label, and caps the number of label values", async () => {
    const metrics = new BotMetrics({ defaultMetrics: false, maxLabelValues: 2 });
    metrics.recordDiscordRateLimit(
      "/webhooks/112233445566778899/aW50ZXJhY3Rpb246c2VjcmV0/messages/@original",
    );
    metrics.recordDiscordRateLimit(
      "/channels/112233445566778899/messages/998877665544332211/reactions/🎲/@me",
    );
    metrics.recordDiscordRateLimit("/guilds/112233445566778899/members/998877665544332211");
    const text = await metrics.render();
    const routes = parseExposition(text)
      .samples.filter((sample) => sample.name === "comfycord_discord_rate_limited_total")
      .map((sample) => sample.labels.route);
    expect(routes).toEqual([
      "/webhooks/:id/:token/messages/@original",
      "/channels/:id/messages/:id/reactions/:reaction",
      "other",
    ]);
    expect(text).not.toMatch(/\d{17}|aW50ZXJhY3Rpb24/);
  });
});

describe("the /healthz endpoint", () => {
  it("answers 503 naming the backend once every backend is down, and 200 again when one returns", async () => {
    const state: HealthChecks = {
      discord: true,
      store: true,
      backends: [
        { id: "gpu-1", up: true },
        { id: "gpu-2", up: true },
      ],
    };
    const server = await start(() => Promise.resolve(structuredClone(state)));
    const get = async () => {
      const response = await fetch(`${server.url}/healthz`);
      return { status: response.status, body: (await response.json()) as { status: string; down: string[] } };
    };

    expect(await get()).toMatchObject({ status: 200, body: { status: "ok", down: [] } });
    state.backends[1]!.up = false;
    expect(await get()).toMatchObject({ status: 200, body: { status: "degraded", down: ["backend gpu-2"] } });
    state.backends[0]!.up = false;
    expect(await get()).toMatchObject({
      status: 503,
      body: { status: "down", down: ["backend gpu-1", "backend gpu-2"] },
    });
    state.backends[0]!.up = true;
    expect(await get()).toMatchObject({ status: 200, body: { status: "degraded", down: ["backend gpu-2"] } });
  });

  it("answers 503 when Discord is disconnected or the store fails, with the same JSON shape", async () => {
    const state: HealthChecks = { discord: false, store: false, backends: [{ id: "gpu-1", up: true }] };
    const server = await start(() => Promise.resolve(structuredClone(state)));
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      status: "down",
      discord: false,
      store: false,
      backends: [{ id: "gpu-1", up: true }],
      down: ["discord", "store"],
    });
  });

  it("answers 503 when the checks throw or hang instead of leaving the prober waiting", async () => {
    let mode: "throw" | "hang" = "throw";
    const server = await start(
      () =>
        mode === "throw"
          ? Promise.reject(new Error("store read failed"))
          : new Promise<HealthChecks>(() => undefined),
      new BotMetrics({ defaultMetrics: false }),
      50,
    );
    const thrown = await fetch(`${server.url}/healthz`);
    expect(thrown.status).toBe(503);
    expect(await thrown.json()).toMatchObject({ down: ["checks"] });
    mode = "hang";
    const hung = await fetch(`${server.url}/healthz`);
    expect(hung.status).toBe(503);
    expect(await hung.json()).toMatchObject({ down: ["checks"] });
  });

  it("answers 404 for other paths and 405 for other methods", async () => {
    const server = await start(() => Promise.resolve({ discord: true, backends: [], store: true }));
    expect((await fetch(`${server.url}/`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`, { method: "POST" })).status).toBe(405);
  });
});

describe("starting the health server", () => {
  it("binds loopback by default and fails with listen_failed when the port is taken", async () => {
    const first = await start(() => Promise.resolve({ discord: true, backends: [], store: true }));
    expect(first.host).toBe("127.0.0.1");
    const second = startHealthServer({
      port: first.port,
      metrics: new BotMetrics({ defaultMetrics: false }),
      checks: () => Promise.resolve({ discord: true, backends: [], store: true }),
      logger,
    });
    await expect(second).rejects.toSatisfy(
      (error: unknown) => error instanceof OpsError && error.code === "listen_failed",
    );
  });
});

describe("the /healthz lease field (bot processes sharing Redis)", () => {
  it("shows who conducts, and calls the bot degraded while nobody holds the lease", async () => {
    const base = { discord: true, backends: [{ id: "gpu-1", up: true }], store: true };
    const held = await start(() =>
      Promise.resolve({ ...base, lease: { self: "bot-b", conducting: false, holder: "bot-a", fence: 7 } }),
    );
    const heldResponse = await fetch(`${held.url}/healthz`);
    expect(heldResponse.status).toBe(200);
    expect(await heldResponse.json()).toEqual({
      status: "ok",
      ...base,
      lease: { self: "bot-b", conducting: false, holder: "bot-a", fence: 7 },
      down: [],
    });

    const vacant = await start(() =>
      Promise.resolve({ ...base, lease: { self: "bot-b", conducting: false } }),
    );
    const vacantResponse = await fetch(`${vacant.url}/healthz`);
    expect(vacantResponse.status).toBe(200);
    expect(await vacantResponse.json()).toMatchObject({ status: "degraded", down: ["conductor"] });
  });
});
