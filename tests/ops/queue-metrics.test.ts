import { EventEmitter } from "node:events";
import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { Core } from "../../src/app/build-core.js";
import { BotMetrics } from "../../src/ops/metrics.js";
import { watchQueueMetrics } from "../../src/ops/queue-metrics.js";
import { newJob, type Job } from "../../src/queue/job.js";
import { QueueEvents } from "../../src/queue/queue-events.js";

function job(overrides: Partial<Job> = {}): Job {
  return {
    ...newJob(
      {
        userId: "u1",
        guildId: "g1",
        channelId: "c1",
        workflow: "sd15",
        params: { prompt: "a secret prompt" },
        limits: { jobsPerWindow: 5, windowSeconds: 60, maxQueuedPerUser: 3 },
      },
      { id: "job-1", seq: 1, now: 1_000 },
    ),
    ...overrides,
  };
}

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

    events.emit({ type: "started", job: job({ state: "running", startedAt: 4_000 }), backend: "gpu1:8188" });
    events.emit({
      type: "succeeded",
      job: job({ state: "succeeded", backend: "gpu1:8188", startedAt: 4_000, finishedAt: 16_000 }),
      files: [],
    });
    events.emit({
      type: "failed",
      job: job({ state: "failed", finishedAt: 5_000 }),
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
