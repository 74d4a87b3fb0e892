import { beforeEach, describe, expect, it } from "vitest";
import { FakeDispatcher, image } from "./support/fake-dispatcher.js";
import { eventually } from "../support/eventually.js";
import {
  memoryStores,
  openQueue,
  request,
  settle,
  type Harness,
  type QueueStores,
} from "./support/harness.js";

/**
 * "Crash": the old queue is abandoned without close(); a new queue starts from the same stores
 * with a new dispatcher. (The stores' own persistence is proven by their contract suites.)
 */
describe("JobQueue recovery from its stores", () => {
  let stores: QueueStores;
  beforeEach(() => {
    stores = memoryStores();
  });

  async function boot(dispatcher: FakeDispatcher): Promise<Harness> {
    return openQueue({ stores, dispatcher });
  }

  async function crash(harness: Harness): Promise<void> {
    // Let acknowledged writes land (they were awaited by whoever acted on them), then drop everything.
    await settle();
    harness.dispatcher.backends.forEach((backend) => (backend.slots = 0));
  }

  /** A job admitted, sent to ComfyUI and running when the bot crashes. */
  async function crashWhileRunning() {
    const first = await boot(new FakeDispatcher());
    const decision = await first.queue.admit(request("u"));
    if (decision.kind !== "accepted") throw new Error("expected accepted");
    await eventually(() => first.dispatcher.runs.length === 1, "staged");
    first.dispatcher.runs[0]!.ctx.onEvent({ type: "started" });
    await eventually(() => first.queue.get(decision.job.id)?.state === "running", "running");
    await crash(first);
    return { first, decision };
  }

  it("reloads queued jobs in their fair order", async () => {
    const first = await boot(new FakeDispatcher([{ id: "gpu-1", slots: 0 }]));
    for (const user of ["A", "A", "A", "B", "C"]) await first.queue.admit(request(user));
    expect(first.queue.jobsOf("A").map((job) => first.queue.position(job.id))).toEqual([0, 3, 4]);
    await crash(first);

    const dispatcher = new FakeDispatcher([{ id: "gpu-1", slots: 1 }]);
    const second = await boot(dispatcher);
    for (let n = 1; n <= 5; n++) {
      await eventually(() => dispatcher.runs.length === n, `dispatch ${n}`);
      dispatcher.complete(dispatcher.active[0]!.job.id);
    }
    expect(dispatcher.runs.map((run) => run.job.userId)).toEqual(["A", "B", "C", "A", "A"]);
    await second.queue.onIdle();
  });

  it("reattaches a staged job by its prompt id instead of submitting it again", async () => {
    const first = await boot(new FakeDispatcher());
    const decision = await first.queue.admit(request("u"));
    if (decision.kind !== "accepted") throw new Error("expected accepted");
    await eventually(() => first.dispatcher.runs.length === 1, "staged");
    const promptId = first.dispatcher.runs[0]!.job.run.promptId;
    await crash(first);

    const dispatcher = new FakeDispatcher();
    dispatcher.attachAnswer = () => ({ kind: "pending" });
    const second = await boot(dispatcher);
    expect(dispatcher.runs).toHaveLength(1);
    expect(dispatcher.runs[0]).toMatchObject({
      mode: "attach",
      job: { run: { promptId }, state: "staged", attempts: 1 },
    });
    dispatcher.runs[0]!.ctx.onEvent({ type: "started" });
    dispatcher.complete(decision.job.id);
    await second.queue.onIdle();
    expect(second.queue.get(decision.job.id)).toMatchObject({
      state: "succeeded",
      attempts: 1,
      run: { promptId },
    });
  });

  it("delivers the outputs of a job that finished in ComfyUI while the bot was down", async () => {
    const { decision } = await crashWhileRunning();

    const dispatcher = new FakeDispatcher();
    dispatcher.attachAnswer = () => ({ kind: "finished", files: [image("late.png", 7)] });
    const second = await boot(dispatcher);
    await second.queue.onIdle();
    expect(second.queue.get(decision.job.id)).toMatchObject({
      state: "succeeded",
      outputs: [{ filename: "late.png", byteLength: 7 }],
    });
    expect(second.events.find((event) => event.type === "succeeded")).toBeDefined();
    expect(dispatcher.runs.filter((run) => run.mode === "run")).toHaveLength(0);
  });

  it("requeues a running job ComfyUI forgot (it restarted too), and fails it when that happens again", async () => {
    const { decision } = await crashWhileRunning();

    const second = await boot(new FakeDispatcher()); // attach answers "lost"
    await eventually(() => second.dispatcher.runs.length === 1, "resubmitted");
    const retry = second.dispatcher.runs[0]!;
    expect(retry).toMatchObject({ mode: "run", job: { attempts: 2, requeues: 1 } });
    await crash(second);

    const third = await boot(new FakeDispatcher());
    await third.queue.onIdle();
    expect(third.queue.get(decision.job.id)).toMatchObject({
      state: "failed",
      error: { code: "comfy_lost" },
    });
    expect(await third.queue.load(decision.job.id)).toMatchObject({ state: "failed" });
  });

  it("does not run a succeeded job again and still finds it after the restart", async () => {
    const first = await boot(new FakeDispatcher());
    const decision = await first.queue.admit(request("u"));
    if (decision.kind !== "accepted") throw new Error("expected accepted");
    await eventually(() => first.dispatcher.runs.length === 1, "staged");
    first.dispatcher.complete(decision.job.id, [image("done.png", 3)]);
    await first.queue.onIdle();
    await first.queue.setMessages(decision.job.id, [{ channelId: "c1", messageId: "m1" }]);
    await crash(first);

    const dispatcher = new FakeDispatcher();
    const second = await boot(dispatcher);
    await settle();
    expect(dispatcher.runs).toHaveLength(0);
    expect(second.queue.depth).toBe(0);
    expect(await second.queue.load(decision.job.id)).toMatchObject({
      state: "succeeded",
      outputs: [{ filename: "done.png" }],
      messages: [{ channelId: "c1", messageId: "m1" }],
    });
  });

  it("keeps rate limits across the restart", async () => {
    const limits = { jobsPerWindow: 1, windowSeconds: 3600, maxQueuedPerUser: 5 };
    const first = await boot(new FakeDispatcher([{ id: "gpu-1", slots: 0 }]));
    expect((await first.queue.admit(request("u", { limits }))).kind).toBe("accepted");
    await crash(first);
    const second = await boot(new FakeDispatcher([{ id: "gpu-1", slots: 0 }]));
    expect((await second.queue.admit(request("u", { limits }))).kind).toBe("rate_limited");
  });

  it("on graceful shutdown lets running prompts finish and leaves staged ones for the next start", async () => {
    const first = await boot(new FakeDispatcher([{ id: "gpu-1", slots: 2 }]));
    const running = await first.queue.admit(request("a"));
    const staged = await first.queue.admit(request("b"));
    const waiting = await first.queue.admit(request("c"));
    if (running.kind !== "accepted" || staged.kind !== "accepted" || waiting.kind !== "accepted") {
      throw new Error("expected accepted");
    }
    await eventually(() => first.dispatcher.runs.length === 2, "two dispatched");
    first.dispatcher.runs[0]!.ctx.onEvent({ type: "started" });
    const closing = first.queue.close({ graceMs: 50 });
    expect(await first.queue.admit(request("d"))).toEqual({ kind: "closed" });
    first.dispatcher.complete(running.job.id);
    await closing;
    expect(first.queue.get(running.job.id)?.state).toBe("succeeded");
    expect(first.dispatcher.runs).toHaveLength(2);

    const dispatcher = new FakeDispatcher();
    dispatcher.attachAnswer = () => ({ kind: "pending" });
    const second = await boot(dispatcher);
    await eventually(() => dispatcher.runs.length === 2, "reattach + dispatch");
    expect(dispatcher.runs.map((run) => [run.job.id, run.mode])).toEqual([
      [staged.job.id, "attach"],
      [waiting.job.id, "run"],
    ]);
    expect(second.queue.stats()).toMatchObject({ queued: 0, staged: 2 });
  });

  it("does not submit a staging that was still being stored when the queue closed", async () => {
    // The store answers the staging late; meanwhile the bot shuts down. Submitting after that
    // would leave a prompt in ComfyUI that nobody follows, and its report ("host gone") could put
    // the job back in line to run a second time. Stored as staged, the next start finds it instead.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const save = stores.jobs.save.bind(stores.jobs);
    let staging = false;
    stores.jobs.save = async (job) => {
      if (job.state === "staged") {
        staging = true;
        await gate;
      }
      return save(job);
    };
    const first = await boot(new FakeDispatcher());
    const admitted = await first.queue.admit(request("a"));
    if (admitted.kind !== "accepted") throw new Error("expected accepted");
    await eventually(() => staging, "the staging on its way to the store");
    const closing = first.queue.close({ graceMs: 0 });
    release();
    await closing;
    expect(first.dispatcher.runs).toEqual([]);
    expect((await stores.jobs.get(admitted.job.id))?.state).toBe("staged");

    const dispatcher = new FakeDispatcher();
    dispatcher.attachAnswer = () => ({ kind: "lost" });
    const second = await boot(dispatcher);
    await eventually(() => dispatcher.runs.some((run) => run.mode === "run"), "run once by the next start");
    expect(second.queue.get(admitted.job.id)?.state).not.toBe("failed");
  });
});
