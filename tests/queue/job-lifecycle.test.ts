import { describe, expect, it } from "vitest";
import { admittedJob, transition, type JobEvent, type Transition } from "../../src/queue/job-lifecycle.js";
import { jobSchema, jobStates, type Job, type JobState } from "../../src/queue/job.js";
import { image } from "./support/fake-dispatcher.js";
import { request } from "./support/harness.js";

const queued = admittedJob(request("alice"), { id: "job-1", seq: 1, now: 1000 });

/** The job moved through the lifecycle to `state`, by the transitions themselves. */
function jobIn(state: JobState): Job {
  const steps: Record<JobState, JobEvent[]> = {
    queued: [],
    staged: [{ type: "dispatch", backend: "gpu-1", promptId: "p-1", at: 2000 }],
    running: [
      { type: "dispatch", backend: "gpu-1", promptId: "p-1", at: 2000 },
      { type: "start", at: 3000 },
    ],
    succeeded: [
      { type: "dispatch", backend: "gpu-1", promptId: "p-1", at: 2000 },
      { type: "succeed", files: [image("a.png")], at: 4000 },
    ],
    delivered: [
      { type: "dispatch", backend: "gpu-1", promptId: "p-1", at: 2000 },
      { type: "succeed", files: [image("a.png")], at: 4000 },
      { type: "deliver", messages: [{ channelId: "c1", messageId: "m1" }], at: 4500 },
    ],
    failed: [{ type: "fail", error: { code: "no_backend", message: "none" }, at: 2000 }],
    cancelled: [{ type: "cancel", by: "owner", at: 2000 }],
  };
  let job: Job = queued;
  for (const event of steps[state]) job = next(transition(job, event));
  return job;
}

function next(result: Transition): Job {
  if (result.kind !== "next") throw new Error(`expected a transition, got: ${result.reason}`);
  return result.job;
}

const events = {
  dispatch: { type: "dispatch", backend: "gpu-2", promptId: "p-2", at: 5000 },
  start: { type: "start", at: 5000 },
  succeed: { type: "succeed", files: [image("b.png")], at: 5000 },
  fail: { type: "fail", error: { code: "comfy_execution", message: "boom" }, at: 5000 },
  lose: { type: "lose", error: { code: "comfy_lost", message: "gone" }, at: 5000, maxRequeues: 1 },
  cancel: { type: "cancel", by: "moderator", at: 5000 },
  deliver: { type: "deliver", messages: [{ channelId: "c2", messageId: "m2" }], at: 5000 },
  give_up_delivery: { type: "give_up_delivery", reason: "Unknown Channel", at: 5000 },
} satisfies Record<string, JobEvent>;

/** Which events apply in which state; every other pair is ignored. */
const allowed: Record<keyof typeof events, readonly JobState[]> = {
  dispatch: ["queued"],
  start: ["staged"],
  succeed: ["staged", "running"],
  fail: ["queued", "staged", "running"],
  lose: ["staged", "running"],
  cancel: ["queued", "staged", "running"],
  deliver: ["succeeded"],
  give_up_delivery: ["succeeded"],
};

describe("transition", () => {
  for (const [name, event] of Object.entries(events) as Array<[keyof typeof events, JobEvent]>) {
    for (const state of jobStates) {
      const applies = allowed[name].includes(state);
      it(`${applies ? "applies" : "ignores"} ${name} to a ${state} job`, () => {
        const result = transition(jobIn(state), event);
        expect(result.kind).toBe(applies ? "next" : "ignored");
        // Every job a transition makes is a valid stored job.
        if (result.kind === "next") expect(jobSchema.safeParse(result.job).success).toBe(true);
      });
    }
  }

  it("stages a waiting job with a backend and a prompt id, counts the attempt and submits it last", () => {
    const result = transition(queued, events.dispatch);
    expect(result).toMatchObject({
      kind: "next",
      job: { state: "staged", attempts: 1, run: { backend: "gpu-2", promptId: "p-2", stagedAt: 5000 } },
    });
    if (result.kind !== "next") return;
    expect(result.effects.map((effect) => effect.type)).toEqual(["announce", "submit"]);
  });

  it("keeps the backend and prompt id of a finished run, and only references to its outputs", () => {
    const done = next(transition(jobIn("running"), events.succeed));
    expect(done).toMatchObject({
      state: "succeeded",
      finishedAt: 5000,
      run: { backend: "gpu-1", promptId: "p-1", startedAt: 3000 },
      outputs: [{ filename: "b.png", byteLength: 16 }],
    });
    expect(JSON.stringify(done)).not.toContain("data");
  });

  it("requeues a lost job at the head of its member's line, then fails it past maxRequeues", () => {
    const first = transition(jobIn("running"), events.lose);
    expect(first).toMatchObject({ kind: "next", job: { state: "queued", requeues: 1, queuedAt: 5000 } });
    if (first.kind !== "next") return;
    expect(first.job).not.toHaveProperty("run");
    expect(first.effects.map((effect) => effect.type)).toEqual(["rejoin_line", "count_requeue", "announce"]);

    const again = next(transition(first.job, { ...events.dispatch, promptId: "p-3" }));
    expect(again).toMatchObject({ attempts: 2, run: { promptId: "p-3" } });
    const second = transition(again, events.lose);
    expect(second).toMatchObject({
      kind: "next",
      job: {
        state: "failed",
        error: {
          code: "comfy_lost",
          message: "gave up after 2 attempts (ComfyUI lost or dropped the job): gone",
        },
      },
    });
  });

  it("takes a cancelled waiting job out of the line and stops a cancelled in-flight one on its backend", () => {
    const waiting = transition(queued, events.cancel);
    if (waiting.kind !== "next") throw new Error("expected a transition");
    expect(waiting.effects.map((effect) => effect.type)).toEqual(["leave_line", "announce", "release"]);
    expect(waiting.job).toMatchObject({ state: "cancelled", cancelledBy: "moderator" });

    const running = transition(jobIn("running"), events.cancel);
    if (running.kind !== "next") throw new Error("expected a transition");
    expect(running.effects[0]).toEqual({
      type: "stop_remote",
      run: { backend: "gpu-1", promptId: "p-1", stagedAt: 2000, startedAt: 3000 },
    });
  });

  it("closes a succeeded job once its result is posted, in the messages it was posted in", () => {
    const result = transition(jobIn("succeeded"), events.deliver);
    expect(result).toMatchObject({
      kind: "next",
      job: { state: "delivered", deliveredAt: 5000, finishedAt: 4000, messages: [{ messageId: "m2" }] },
      effects: [{ type: "discard_outputs" }],
    });
  });

  it("fails a succeeded job whose result can never be posted, keeping when it finished", () => {
    const result = transition(jobIn("succeeded"), events.give_up_delivery);
    expect(result).toMatchObject({
      kind: "next",
      job: { state: "failed", finishedAt: 4000, error: { code: "undelivered", message: "Unknown Channel" } },
      effects: [{ type: "discard_outputs" }],
    });
  });

  it("changes the messages of a job in any state, finished ones included, and nothing else", () => {
    const messages = [{ channelId: "c", messageId: "m" }];
    for (const state of jobStates) {
      const before = jobIn(state);
      const result = transition(before, { type: "retarget", messages });
      expect(result).toEqual({ kind: "next", job: { ...before, messages }, effects: [] });
    }
  });

  it("never changes the job it is given", () => {
    const before = jobIn("running");
    const copy = structuredClone(before);
    transition(before, events.succeed);
    transition(before, events.cancel);
    expect(before).toEqual(copy);
  });
});
