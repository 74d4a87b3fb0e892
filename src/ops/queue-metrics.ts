import type { Logger } from "pino";
import type { Core } from "../app/build-core.js";
import { finishedAtOf, type Job } from "../queue/job.js";
import type { BotMetrics } from "./metrics.js";

/** Jobs slower than this are worth a warning line: a slow or overloaded host. */
const slowJobSeconds = 300;

/**
 * Feeds the metrics from queue and host events, and writes the log lines an operator reads for
 * each job: started and finished (job id, user, channel, backend, wait, duration; never the prompt).
 * Queued is logged by the generation service.
 */
export function watchQueueMetrics(
  core: Pick<Core, "queue" | "pool">,
  metrics: BotMetrics,
  logger?: Logger,
): () => void {
  const unsubscribe = core.queue.subscribe((event) => {
    metrics.setQueueDepth(core.queue.depth);
    if (event.type === "started") {
      const job = event.job;
      const startedAt = startedAtOf(job);
      logger?.info(
        {
          jobId: job.id,
          userId: job.userId,
          channelId: job.channelId,
          backend: event.backend,
          workflow: job.workflow,
          waitedSeconds: startedAt !== undefined ? (startedAt - job.queuedAt) / 1000 : undefined,
        },
        "job started",
      );
      return;
    }
    if (event.type !== "succeeded" && event.type !== "failed" && event.type !== "cancelled") return;
    metrics.recordJob(event.type);
    const job = event.job;
    const startedAt = startedAtOf(job);
    const finishedAt = finishedAtOf(job);
    const seconds =
      startedAt !== undefined && finishedAt !== undefined ? (finishedAt - startedAt) / 1000 : undefined;
    if (event.type === "succeeded" && seconds !== undefined) {
      metrics.observeJobDuration({ workflow: job.workflow, backend: backendOf(job) ?? "unknown" }, seconds);
    }
    const line = {
      jobId: job.id,
      userId: job.userId,
      channelId: job.channelId,
      backend: backendOf(job),
      workflow: job.workflow,
      durationSeconds: seconds,
      ...(event.type === "failed" ? { code: event.error.code } : {}),
    };
    if (event.type === "succeeded" && seconds !== undefined && seconds > slowJobSeconds) {
      logger?.warn(line, "job succeeded but the host was slow");
    } else {
      logger?.info(line, `job ${event.type}`);
    }
  });
  const onHealth = new Map<string, (health: { online: boolean }) => void>();
  for (const backend of core.pool.backends) {
    const listener = (health: { online: boolean }) => metrics.setBackendUp(backend.id, health.online);
    onHealth.set(backend.id, listener);
    backend.on("health", listener);
    metrics.setBackendUp(backend.id, backend.health.online);
  }
  return () => {
    unsubscribe();
    for (const backend of core.pool.backends) {
      const listener = onHealth.get(backend.id);
      if (listener) backend.off("health", listener);
    }
  };
}

/** When ComfyUI began running the job's last attempt, if it did. */
function startedAtOf(job: Job): number | undefined {
  return "run" in job ? job.run?.startedAt : undefined;
}

function backendOf(job: Job): string | undefined {
  return "run" in job ? job.run?.backend : undefined;
}
