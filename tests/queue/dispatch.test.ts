import { describe, expect, it } from "vitest";
import { RunError } from "../../src/queue/dispatcher.js";
import { FakeDispatcher, image } from "./support/fake-dispatcher.js";
import { eventually } from "../support/eventually.js";
import { ids, memoryStores, openQueue, request, settle } from "./support/harness.js";

describe("JobQueue dispatch", () => {
  it("dispatches A B C A B A A A when A queued 5, B 2 and C 1 before a slot was free", async () => {
    const dispatcher = new FakeDispatcher([{ id: "gpu-1", slots: 0 }]);
    const { queue } = await openQueue({ dispatcher });
    for (let i = 0; i < 5; i++) await queue.admit(request("A"));
    for (let i = 0; i < 2; i++) await queue.admit(request("B"));
    await queue.admit(request("C"));
    const positions = queue.jobsOf("A").map((job) => queue.position(job.id));
    expect(positions).toEqual([0, 3, 5, 6, 7]);

    dispatcher.setSlots("gpu-1", 1);
    for (let n = 1; n <= 8; n++) {
      await eventually(() => dispatcher.runs.length === n, `dispatch ${n}`);
      dispatcher.complete(dispatcher.active[0]!.job.id);
    }
    expect(dispatcher.runs.map((run) => run.job.userId)).toEqual(["A", "B", "C", "A", "B", "A", "A", "A"]);
    await queue.onIdle();
    expect(queue.stats()).toMatchObject({ queued: 0, succeeded: 8 });
  });

  it("keeps one running and one staged prompt per backend and refills a slot as soon as it frees", async () => {
    const dispatcher = new FakeDispatcher([{ id: "gpu-1", slots: 2 }]);
    const { queue } = await openQueue({ dispatcher });
    for (let i = 0; i < 4; i++) await queue.admit(request(`u${i}`));
    await eventually(() => dispatcher.runs.length === 2, "two staged");
    await settle();
    expect(dispatcher.runs).toHaveLength(2);
    expect(queue.stats()).toMatchObject({ queued: 2, staged: 2 });
    dispatcher.runs[0]!.ctx.onEvent({ type: "started" });
    await eventually(() => queue.stats().running === 1, "running");
    dispatcher.complete(dispatcher.runs[0]!.job.id);
    await eventually(() => dispatcher.runs.length === 3, "slot refilled");
    expect(queue.depth).toBe(1);
  });

  it("writes the staged job with a lowercase prompt id before submitting it", async () => {
    const dispatcher = new FakeDispatcher();
    const { queue, stores } = await openQueue({ dispatcher, newId: () => "ABCDEF-0123" });
    await queue.admit(request("u"));
    await eventually(() => dispatcher.runs.length === 1, "submitted");
    const submitted = dispatcher.runs[0]!.job;
    expect(submitted.run.promptId).toBe("abcdef-0123");
    expect(await stores.jobs.get(submitted.id)).toMatchObject({
      state: "staged",
      run: { promptId: "abcdef-0123", backend: "gpu-1" },
      attempts: 1,
    });
  });

  it("does not submit a job whose staging cannot be stored, and dispatches it once the store works", async () => {
    const dispatcher = new FakeDispatcher([{ id: "gpu-1", slots: 0 }]);
    const stores = memoryStores();
    let failing = true;
    let refusedStagings = 0;
    const save = stores.jobs.save.bind(stores.jobs);
    stores.jobs.save = async (job) => {
      if (failing && job.state === "staged") {
        refusedStagings++;
        throw new Error("SQLITE_BUSY: database is locked");
      }
      return save(job);
    };
    const { queue } = await openQueue({ dispatcher, stores, dispatchRetryMs: 20 });
    const accepted = await queue.admit(request("u"));
    if (accepted.kind !== "accepted") throw new Error("expected accepted");
    dispatcher.setSlots("gpu-1", 1);
    await eventually(() => refusedStagings === 1, "the staging write to fail");
    expect(dispatcher.runs).toEqual([]);
    expect(await stores.jobs.get(accepted.job.id)).toMatchObject({ state: "queued", attempts: 0 });
    expect(queue.get(accepted.job.id)).toMatchObject({ state: "queued" });
    expect(queue.position(accepted.job.id)).toBe(0);
    // Nothing else happens (no new job, no slot freed): the queue tries again by itself.
    failing = false;
    await eventually(() => dispatcher.runs.length === 1, "dispatched once the store works");
    expect(await stores.jobs.get(accepted.job.id)).toMatchObject({ state: "staged", attempts: 1 });
  });

  it("fails a job no backend can run and lets the next user's job go instead of blocking", async () => {
    const dispatcher = new FakeDispatcher([{ id: "gpu-1", supports: (job) => job.workflow !== "flux" }]);
    const { queue, events } = await openQueue({ dispatcher });
    const flux = await queue.admit(request("A", { workflow: "flux" }));
    await queue.admit(request("B"));
    await eventually(() => dispatcher.runs.length === 1, "B dispatched");
    expect(dispatcher.runs[0]!.job.userId).toBe("B");
    if (flux.kind !== "accepted") throw new Error("expected accepted");
    await eventually(() => queue.get(flux.job.id)?.state === "failed", "flux failed");
    expect(queue.get(flux.job.id)).toMatchObject({ state: "failed", error: { code: "no_backend" } });
    expect(events.some((event) => event.type === "failed" && event.job.id === flux.job.id)).toBe(true);
  });

  it("skips a head whose backend is busy and serves another user whose job fits a free backend", async () => {
    const dispatcher = new FakeDispatcher([
      { id: "sdxl", slots: 0, supports: (job) => job.workflow === "sdxl" },
      { id: "flux", slots: 1, supports: (job) => job.workflow === "flux" },
    ]);
    const { queue } = await openQueue({ dispatcher });
    await queue.admit(request("A", { workflow: "sdxl" }));
    await queue.admit(request("B", { workflow: "flux" }));
    await eventually(() => dispatcher.runs.length === 1, "flux dispatched");
    expect(dispatcher.runs[0]!.job.userId).toBe("B");
    expect(queue.depth).toBe(1);
  });

  it("sends started, node, progress, preview and succeeded events with the output bytes", async () => {
    const dispatcher = new FakeDispatcher();
    const { queue, events } = await openQueue({ dispatcher });
    await queue.admit(request("u"));
    await eventually(() => dispatcher.runs.length === 1, "dispatched");
    const run = dispatcher.runs[0]!;
    run.ctx.onEvent({ type: "submitted" });
    run.ctx.onEvent({ type: "started" });
    run.ctx.onEvent({ type: "node", nodeId: "3", nodeType: "KSampler" });
    run.ctx.onEvent({ type: "progress", value: 1, max: 4 });
    run.ctx.onEvent({ type: "progress", value: 2, max: 4 });
    run.ctx.onEvent({ type: "preview", image: new Uint8Array([1, 2]), contentType: "image/jpeg" });
    dispatcher.complete(run.job.id, [image("cat.png", 42)]);
    await queue.onIdle();
    await settle();
    expect(events.map((event) => event.type)).toEqual([
      "queued",
      "staged",
      "started",
      "node",
      "progress",
      "progress",
      "preview",
      "succeeded",
    ]);
    const progress = events.find((event) => event.type === "progress" && event.value === 2);
    expect(progress).toMatchObject({ overall: 0.5, max: 4 });
    const done = events.find((event) => event.type === "succeeded");
    if (done?.type !== "succeeded") throw new Error("no succeeded event");
    expect(done.files[0]?.data.byteLength).toBe(42);
    expect(done.job.outputs).toEqual([
      {
        nodeId: "9",
        filename: "cat.png",
        subfolder: "",
        type: "output",
        contentType: "image/png",
        byteLength: 42,
      },
    ]);
    expect(queue.get(run.job.id)).toMatchObject({ state: "succeeded", run: { backend: "gpu-1" } });
  });

  it("keeps dispatching when a subscriber throws or hangs", async () => {
    const dispatcher = new FakeDispatcher([{ id: "gpu-1", slots: 1 }]);
    const { queue } = await openQueue({ dispatcher });
    queue.subscribe(() => {
      throw new Error("subscriber bug");
    });
    queue.subscribe(async () => new Promise<void>(() => undefined));
    queue.subscribe(async () => Promise.reject(new Error("async subscriber bug")));
    await queue.admit(request("a"));
    await queue.admit(request("b"));
    await eventually(() => dispatcher.runs.length === 1, "first");
    dispatcher.complete(dispatcher.runs[0]!.job.id);
    await eventually(() => dispatcher.runs.length === 2, "second");
    dispatcher.complete(dispatcher.runs[1]!.job.id);
    await queue.onIdle();
    expect(queue.stats().succeeded).toBe(2);
  });

  it("reports position changes as jobs ahead leave the line", async () => {
    const dispatcher = new FakeDispatcher([{ id: "gpu-1", slots: 0 }]);
    const { queue, events } = await openQueue({ dispatcher, newId: ids("job") });
    await queue.admit(request("a"));
    await queue.admit(request("b"));
    await queue.admit(request("c"));
    dispatcher.setSlots("gpu-1", 1);
    await eventually(
      () =>
        events.some((event) => event.type === "position" && event.job.id === "job-3" && event.position === 1),
      "job-3 moved to 1",
    );
    expect(queue.position("job-3")).toBe(1);
    expect(queue.position("job-1")).toBeUndefined();
  });

  it("requeues a job on another backend when its backend dies mid-run", async () => {
    const dispatcher = new FakeDispatcher([
      { id: "gpu-1", slots: 1 },
      { id: "gpu-2", slots: 0 },
    ]);
    const { queue, events } = await openQueue({ dispatcher });
    const accepted = await queue.admit(request("u"));
    if (accepted.kind !== "accepted") throw new Error("expected accepted");
    await eventually(() => dispatcher.runs.length === 1, "on gpu-1");
    const firstPrompt = dispatcher.runs[0]!.job.run.promptId;
    dispatcher.runs[0]!.ctx.onEvent({ type: "started" });
    dispatcher.setOnline("gpu-1", false);
    dispatcher.setSlots("gpu-2", 1);
    dispatcher.fail(accepted.job.id, "comfy_unreachable", "socket closed");
    await eventually(() => dispatcher.runs.length === 2, "on gpu-2");
    expect(dispatcher.runs[1]).toMatchObject({ backendId: "gpu-2", job: { attempts: 2, requeues: 1 } });
    expect(dispatcher.runs[1]!.job.run.promptId).not.toBe(firstPrompt);
    dispatcher.complete(accepted.job.id);
    await queue.onIdle();
    expect(queue.get(accepted.job.id)).toMatchObject({ state: "succeeded", run: { backend: "gpu-2" } });
    expect(events.filter((event) => event.type === "requeued")).toHaveLength(1);
  });

  it("requeues a job lost by a ComfyUI restart once, then fails it with comfy_lost", async () => {
    const dispatcher = new FakeDispatcher();
    const { queue, events } = await openQueue({ dispatcher });
    const accepted = await queue.admit(request("u"));
    if (accepted.kind !== "accepted") throw new Error("expected accepted");
    await eventually(() => dispatcher.runs.length === 1, "first attempt");
    dispatcher.fail(accepted.job.id, "comfy_lost");
    await eventually(() => dispatcher.runs.length === 2, "second attempt");
    dispatcher.runs[1]!.ctx.onEvent({ type: "started" });
    dispatcher.fail(accepted.job.id, "comfy_lost");
    await queue.onIdle();
    const job = queue.get(accepted.job.id);
    expect(job).toMatchObject({ state: "failed", attempts: 2, requeues: 1, error: { code: "comfy_lost" } });
    expect(events.filter((event) => event.type === "requeued")).toHaveLength(1);
  });

  it("fails at once with the run's code on errors a retry would not fix", async () => {
    const dispatcher = new FakeDispatcher();
    const { queue } = await openQueue({ dispatcher });
    const accepted = await queue.admit(request("u"));
    if (accepted.kind !== "accepted") throw new Error("expected accepted");
    await eventually(() => dispatcher.runs.length === 1, "dispatched");
    dispatcher.fail(accepted.job.id, "comfy_validation", "node 3: unknown sampler");
    await queue.onIdle();
    expect(queue.get(accepted.job.id)).toMatchObject({
      state: "failed",
      error: { code: "comfy_validation", message: "node 3: unknown sampler" },
    });
  });

  it("follows the dispatcher's retryable hint over the code", async () => {
    const dispatcher = new FakeDispatcher();
    const { queue } = await openQueue({ dispatcher });
    const stuck = await queue.admit(request("a"));
    const gone = await queue.admit(request("b"));
    if (stuck.kind !== "accepted" || gone.kind !== "accepted") throw new Error("expected accepted");
    await eventually(() => dispatcher.active.length === 2, "both dispatched");
    dispatcher.fail(
      stuck.job.id,
      new RunError("comfy_timeout", "node_inactivity timeout", { retryable: true }),
    );
    dispatcher.fail(gone.job.id, new RunError("comfy_lost", "deleted by an operator", { retryable: false }));
    await eventually(() => dispatcher.runs.length === 3, "the stuck job runs again");
    expect(dispatcher.runs[2]!.job.id).toBe(stuck.job.id);
    expect(queue.get(gone.job.id)).toMatchObject({ state: "failed", error: { code: "comfy_lost" } });
  });
});
