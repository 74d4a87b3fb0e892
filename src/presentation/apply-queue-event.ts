import type { Job } from "../queue/job.js";
import type { QueueEvent } from "../queue/queue-events.js";
import type { JobViewParams, JobViewState } from "./job-view-state.js";
import { describeJobError } from "./user-messages.js";

/** Node classes whose run means "the model is loading", worth saying so while the GPU waits. */
const loaderPattern = /Loader|LoadCheckpoint/i;

/**
 * What the embed shows: the built values, plus the style the member picked and the LoRA by the
 * name they picked it by (both resolved at admission: the built LoRA is a file name).
 */
export function viewParamsOf(job: JobForView): JobViewParams {
  const { style, lora } = job.request ?? {};
  return {
    ...job.params,
    workflow: job.workflow,
    ...(style === undefined ? {} : { style }),
    ...(lora === undefined ? {} : { lora }),
  };
}

type JobForView = Pick<Job, "params" | "workflow"> & { request?: Pick<Job["request"], "style" | "lora"> };

export function initialViewState(job: Pick<Job, "id"> & JobForView): JobViewState {
  return { jobId: job.id, phase: "queued", prompt: job.params.prompt, params: viewParamsOf(job) };
}

/**
 * Folds one queue event into a job's view state (pure). Returns the next state; `phaseChanged`
 * tells the edit scheduler to flush rather than coalesce.
 */
export function applyQueueEvent(
  state: JobViewState,
  event: QueueEvent,
  now: number,
  backendLabel: (id: string) => string = (id) => id,
): { state: JobViewState; phaseChanged: boolean } {
  const before = state.phase;
  const next: JobViewState = { ...state, params: viewParamsOf(event.job) };
  switch (event.type) {
    case "queued":
    case "position":
      next.phase = "queued";
      next.position = event.position + 1;
      next.etaAt = now + event.etaMs;
      break;
    case "requeued":
      next.phase = "queued";
      next.position = undefined;
      next.step = undefined;
      next.node = undefined;
      next.preview = undefined;
      break;
    case "staged":
      next.backendLabel = backendLabel(event.backend);
      break;
    case "started":
      next.phase = "starting";
      next.backendLabel = backendLabel(event.backend);
      next.startedAt = event.job.run.startedAt;
      next.position = undefined;
      break;
    case "node": {
      const loading = event.nodeType !== undefined && loaderPattern.test(event.nodeType);
      next.phase = loading && state.phase !== "running" ? "starting" : "running";
      next.loadingModel = loading;
      next.node = { classType: event.nodeType };
      break;
    }
    case "progress":
      next.phase = "running";
      next.loadingModel = false;
      next.step = { value: event.value, max: event.max };
      next.overall = event.overall;
      next.etaAt = now + event.etaMs;
      break;
    case "preview":
      next.preview = { bytes: Buffer.from(event.image), mime: event.contentType };
      break;
    case "succeeded":
      next.phase = "done";
      next.finishedAt = event.job.finishedAt;
      next.preview = undefined;
      break;
    case "failed":
      next.phase = "failed";
      next.finishedAt = event.job.finishedAt;
      next.error = {
        message: describeJobError(event.error, { jobId: event.job.id, workflow: event.job.workflow }),
      };
      next.preview = undefined;
      break;
    case "cancelled":
      next.phase = "cancelled";
      next.finishedAt = event.job.finishedAt;
      next.cancelledBy = event.byModerator ? { label: "a moderator" } : { userId: event.job.userId };
      next.preview = undefined;
      break;
  }
  return { state: next, phaseChanged: next.phase !== before };
}
