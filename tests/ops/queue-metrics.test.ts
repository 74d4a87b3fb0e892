import { EventEmitter } from "node:events";
import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { Core } from "../../src/app/build-core.js";
import { BotMetrics } from "../../src/ops/metrics.js";
import { watchQueueMetrics } from "../../src/ops/queue-metrics.js";
import { failedJob, runningJob, succeededJob } from "../support/stored-records.js";
import { QueueEvents } from "../../src/queue/queue-events.js";

/** Job 1 of u1 in c1, queued at 1 s, started at 4 s (on gpu1:8188), ended as the test says. */
const at = { id: "job-1", userId: "u1", at: 2_000 };
const onHost = { backend: "gpu1:8188", promptId: "p-1", stagedAt: 3_000 };
const secret = { workflow: "sd15", params: { prompt: "a secret prompt" } };

describe("queue metrics and job log lines", () => {
  it("counts outcomes, times jobs by workflow and host, follows host health, and never logs the prompt", async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: "info" },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    );
    const events = new QueueEvents(logger);
    const host = Object.assign(new EventEmitter(), { id: "gpu1:8188", health: { online: true } });
    const core = {
      queue: {
        subscribe: (listener: Parameters<QueueEvents["subscribe"]>[0]) => events.subscribe(listener),
        depth: 2,
      },
      pool: { backends: [host] },
    } as unknown as Pick<Core, "queue" | "pool">;
    const metrics = new BotMetrics({ defaultMetrics: false });
    const stop = watchQueueMetrics(core, metrics, logger);

    events.emit({
      type: "started",
      job: { ...runningJob(at), ...secret, run: { ...onHost, startedAt: 4_000 } },
      backend: "gpu1:8188",
    });
    events.emit({
      type: "succeeded",
      job: {
        ...succeededJob({ ...at, finishedAt: 16_000 }),
        ...secret,
        run: { ...onHost, startedAt: 4_000 },
      },
      files: [],
    });
    events.emit({
      type: "failed",
      job: { ...failedJob({ ...at, finishedAt: 5_000, neverSent: true }), ...secret },
      error: { code: "comfy_execution", message: "boom" },
    });
    host.emit("health", { online: false });

    const text = await metrics.render();
    expect(text).toContain('comfycord_jobs_total{outcome="succeeded"} 1');
    expect(text).toContain('comfycord_jobs_total{outcome="failed"} 1');
    expect(text).toContain('comfycord_job_duration_seconds_sum{workflow="sd15",backend="gpu1:8188"} 12');
    expect(text).toContain('comfycord_backend_up{backend="gpu1:8188"} 0');
    expect(text).toContain("comfycord_queue_depth 2");
    expect(lines.map((line) => line.msg)).toEqual(["job started", "job succeeded", "job failed"]);
    expect(lines[0]).toMatchObject({
      jobId: "job-1",
      userId: "u1",
      channelId: "c1",
      backend: "gpu1:8188",
      waitedSeconds: 3,
    });
    expect(lines[2]).toMatchObject({ code: "comfy_execution" });
    expect(JSON.stringify(lines)).not.toContain("secret prompt");
    stop();
  });
});
