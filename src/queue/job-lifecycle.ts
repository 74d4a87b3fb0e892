import type { AdmissionRequest } from "./admission.js";
import type { JobError } from "./job-error.js";
import {
  jobBase,
  type CancelledJob,
  type DeliveredJob,
  type FailedJob,
  type FinishedJob,
  type InFlightJob,
  type Job,
  type JobMessage,
  type JobRun,
  type OutputFile,
  type QueuedJob,
  type StagedJob,
} from "./job.js";
import type { QueueEvent } from "./queue-events.js";
import type { RunOutputFile } from "./dispatcher.js";

/** Where a job's life begins: admitted and waiting. */
export function admittedJob(
  request: AdmissionRequest,
  at: { id: string; seq: number; now: number },
): QueuedJob {
  return {
    id: at.id,
    seq: at.seq,
    userId: request.userId,
    guildId: request.guildId,
    channelId: request.channelId,
    ...(request.parentChannelId === undefined ? {} : { parentChannelId: request.parentChannelId }),
    messages: request.messages ? request.messages.map((message) => ({ ...message })) : [],
    ...(request.origin === undefined ? {} : { origin: { ...request.origin } }),
    workflow: request.workflow,
    request: request.request,
    params: request.params,
    priority: request.limits.priority === true,
    state: "queued",
    attempts: 0,
    requeues: 0,
    createdAt: at.now,
    queuedAt: at.now,
    ...(request.rerollOf === undefined ? {} : { rerollOf: request.rerollOf }),
  };
}

/** Something that happened to a job, or a decision about it. */
export type JobEvent =
  /** The dispatch loop gave the waiting job to a backend, under a new prompt id. */
  | { type: "dispatch"; backend: string; promptId: string; at: number }
  /** ComfyUI began executing the prompt. */
  | { type: "start"; at: number }
  /** The prompt finished and its outputs were downloaded. */
  | { type: "succeed"; files: readonly RunOutputFile[]; at: number }
  /** The job cannot run: a fault of the job, or no backend can ever take it. */
  | { type: "fail"; error: JobError; at: number }
  /**
   * The backend lost the prompt through no fault of the job (host gone, ComfyUI restarted):
   * the job waits again, unless it has already been requeued `maxRequeues` times.
   */
  | { type: "lose"; error: JobError; at: number; maxRequeues: number }
  | { type: "cancel"; by: "owner" | "moderator"; at: number }
  /** The result is posted on Discord, in these messages. */
  | { type: "deliver"; messages: readonly JobMessage[]; at: number }
  /** The result can never be posted (the channel is gone, the bot lost access). */
  | { type: "give_up_delivery"; reason: string; at: number }
  /** The Discord messages that show the job changed (any state, finished included). */
  | { type: "retarget"; messages: readonly JobMessage[] };

/** What the queue does after the new job is stored, in this order. */
export type JobEffect =
  /** Hand the staged job to its backend. */
  | { type: "submit"; job: StagedJob }
  /** Take the job out of the waiting line. */
  | { type: "leave_line" }
  /** Put the job back at the head of its member's line. */
  | { type: "rejoin_line" }
  /** Remove the prompt from ComfyUI's queue, or interrupt it if it runs. */
  | { type: "stop_remote"; run: JobRun }
  /** Tell subscribers (the Discord layer). */
  | { type: "announce"; event: QueueEvent }
  /** The job is over: its member's place is free, counters and idle waiters are updated. */
  | { type: "release"; job: FinishedJob }
  /** The kept output files are no longer needed (the result is posted, or never will be). */
  | { type: "discard_outputs" }
  /** ComfyUI lost it and it waits again (for the counters). */
  | { type: "count_requeue" };

export type Transition =
  | { kind: "next"; job: Job; effects: JobEffect[] }
  /** The event does not apply in the job's state (e.g. a late `start` for a cancelled job). */
  | { kind: "ignored"; reason: string };

/**
 * The job lifecycle as one pure function: the next job and the effects to perform. Every state
 * change of a job goes through here; the queue stores the new job before it performs the effects.
 */
export function transition(job: Job, event: JobEvent): Transition {
  switch (event.type) {
    case "dispatch":
      if (job.state !== "queued") return ignored(job, event);
      return dispatch(job, event);
    case "start": {
      if (job.state !== "staged") return ignored(job, event);
      const next: Job = { ...job, state: "running", run: { ...job.run, startedAt: event.at } };
      return {
        kind: "next",
        job: next,
        effects: [{ type: "announce", event: { type: "started", job: next, backend: job.run.backend } }],
      };
    }
    case "succeed": {
      if (job.state !== "staged" && job.state !== "running") return ignored(job, event);
      const next: FinishedJob = {
        ...jobBase(job),
        state: "succeeded",
        run: job.run,
        outputs: event.files.map(outputRef),
        finishedAt: event.at,
      };
      return finish(next, [
        { type: "announce", event: { type: "succeeded", job: next, files: event.files } },
      ]);
    }
    case "fail":
      if (job.state !== "queued" && job.state !== "staged" && job.state !== "running") {
        return ignored(job, event);
      }
      return fail(job, event.error, event.at);
    case "lose":
      if (job.state !== "staged" && job.state !== "running") return ignored(job, event);
      return lose(job, event);
    case "cancel":
      if (job.state !== "queued" && job.state !== "staged" && job.state !== "running") {
        return ignored(job, event);
      }
      return cancel(job, event);
    case "deliver": {
      if (job.state !== "succeeded") return ignored(job, event);
      const next: DeliveredJob = {
        ...job,
        state: "delivered",
        messages: event.messages.map((message) => ({ ...message })),
        deliveredAt: event.at,
      };
      return { kind: "next", job: next, effects: [{ type: "discard_outputs" }] };
    }
    case "give_up_delivery": {
      if (job.state !== "succeeded") return ignored(job, event);
      const next: FailedJob = {
        ...jobBase(job),
        state: "failed",
        run: job.run,
        error: { code: "undelivered", message: event.reason },
        finishedAt: job.finishedAt,
      };
      return { kind: "next", job: next, effects: [{ type: "discard_outputs" }] };
    }
    case "retarget":
      return { kind: "next", job: { ...job, messages: event.messages.map((m) => ({ ...m })) }, effects: [] };
  }
}

function dispatch(job: QueuedJob, event: Extract<JobEvent, { type: "dispatch" }>): Transition {
  const next: StagedJob = {
    ...job,
    state: "staged",
    attempts: job.attempts + 1,
    run: { backend: event.backend, promptId: event.promptId, stagedAt: event.at },
  };
  return {
    kind: "next",
    job: next,
    effects: [
      { type: "announce", event: { type: "staged", job: next, backend: event.backend } },
      { type: "submit", job: next },
    ],
  };
}

function fail(job: Job, error: JobError, at: number): Transition {
  const next: FailedJob = {
    ...jobBase(job),
    state: "failed",
    ...(job.state === "staged" || job.state === "running" ? { run: job.run } : {}),
    error,
    finishedAt: at,
  };
  const effects: JobEffect[] = job.state === "queued" ? [{ type: "leave_line" }] : [];
  effects.push({ type: "announce", event: { type: "failed", job: next, error } });
  return finish(next, effects);
}

function lose(job: InFlightJob, event: Extract<JobEvent, { type: "lose" }>): Transition {
  if (job.requeues >= event.maxRequeues) {
    const tries = job.attempts === 1 ? "1 attempt" : `${job.attempts} attempts`;
    return fail(
      job,
      {
        ...event.error,
        message: `gave up after ${tries} (ComfyUI lost or dropped the job): ${event.error.message}`,
      },
      event.at,
    );
  }
  const next: QueuedJob = {
    ...jobBase(job),
    state: "queued",
    requeues: job.requeues + 1,
    queuedAt: event.at,
  };
  return {
    kind: "next",
    job: next,
    effects: [
      { type: "rejoin_line" },
      { type: "count_requeue" },
      { type: "announce", event: { type: "requeued", job: next, error: event.error } },
    ],
  };
}

function cancel(job: QueuedJob | InFlightJob, event: Extract<JobEvent, { type: "cancel" }>): Transition {
  const next: CancelledJob = {
    ...jobBase(job),
    state: "cancelled",
    ...(job.state === "queued" ? {} : { run: job.run }),
    cancelledBy: event.by,
    finishedAt: event.at,
  };
  const effects: JobEffect[] =
    job.state === "queued" ? [{ type: "leave_line" }] : [{ type: "stop_remote", run: job.run }];
  effects.push({
    type: "announce",
    event: { type: "cancelled", job: next, byModerator: event.by === "moderator" },
  });
  return finish(next, effects);
}

function finish(job: FinishedJob, effects: JobEffect[]): Transition {
  return { kind: "next", job, effects: [...effects, { type: "release", job }] };
}

function ignored(job: Job, event: JobEvent): Transition {
  return { kind: "ignored", reason: `"${event.type}" does not apply to a ${job.state} job` };
}

/** What is kept of an output: where ComfyUI has it and its size, never the bytes. */
function outputRef({ data, ...file }: RunOutputFile): OutputFile {
  return { ...file, byteLength: data.byteLength };
}
