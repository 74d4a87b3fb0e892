import { describe, expect, it } from "vitest";
import { FakeDispatcher } from "./support/fake-dispatcher.js";
import { eventually } from "../support/eventually.js";
import { FakeClock } from "../support/fake-clock.js";
import { openQueue, request } from "./support/harness.js";

describe("JobQueue ETA", () => {
  it("learns from finished jobs and predicts the wait of queued ones from it", async () => {
    const time = new FakeClock(() => 1_700_000_000_000);
    const dispatcher = new FakeDispatcher([{ id: "gpu-1", slots: 1 }]);
    const { queue } = await openQueue({ dispatcher, now: time.now, eta: { defaultMs: 30_000 } });
    const first = await queue.admit(request("a"));
    expect(first).toMatchObject({ kind: "accepted", etaMs: 30_000 });
    await eventually(() => dispatcher.runs.length === 1, "dispatched");
    dispatcher.runs[0]!.ctx.onEvent({ type: "started" });
    await eventually(() => queue.stats().running === 1, "running");
    await time.advance(8000);
    dispatcher.complete(dispatcher.runs[0]!.job.id);
    await queue.onIdle();

    dispatcher.setSlots("gpu-1", 0);
    expect(await queue.admit(request("b"))).toMatchObject({ position: 0, etaMs: 8000 });
    expect(await queue.admit(request("c"))).toMatchObject({ position: 1, etaMs: 16_000 });
  });

  it("estimates the time left of a running job from its own step rate", async () => {
    const time = new FakeClock(() => 1_700_000_000_000);
    const dispatcher = new FakeDispatcher();
    const { queue, events } = await openQueue({ dispatcher, now: time.now });
    await queue.admit(request("a"));
    await eventually(() => dispatcher.runs.length === 1, "dispatched");
    const run = dispatcher.runs[0]!;
    run.ctx.onEvent({ type: "started" });
    run.ctx.onEvent({ type: "progress", value: 1, max: 10 });
    await time.advance(1500);
    run.ctx.onEvent({ type: "progress", value: 4, max: 10 });
    await eventually(
      () => events.filter((event) => event.type === "progress").length === 2,
      "progress events",
    );
    // 3 steps in 1.5 s → 500 ms per step, 6 steps left.
    expect(queue.etaMs(run.job.id)).toBe(3000);
    expect(events.filter((event) => event.type === "progress").at(-1)).toMatchObject({
      etaMs: 3000,
      overall: 0.4,
    });
  });

  it("serves members with a priority grant first", async () => {
    const dispatcher = new FakeDispatcher([{ id: "gpu-1", slots: 0 }]);
    const { queue } = await openQueue({ dispatcher });
    await queue.admit(request("normal"));
    const vip = await queue.admit(
      request("vip", {
        limits: { jobsPerWindow: 9, windowSeconds: 60, maxQueuedPerUser: 9, priority: true },
      }),
    );
    expect(vip).toMatchObject({ position: 0, job: { priority: true } });
    dispatcher.setSlots("gpu-1", 1);
    await eventually(() => dispatcher.runs.length === 1, "dispatched");
    expect(dispatcher.runs[0]!.job.userId).toBe("vip");
  });
});
