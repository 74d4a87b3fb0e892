import { describe, expect, it } from "vitest";
import { FakeDispatcher } from "./support/fake-dispatcher.js";
import { eventually } from "../support/eventually.js";
import { openQueue, request, settle } from "./support/harness.js";

async function admitted(
  queue: Awaited<ReturnType<typeof openQueue>>["queue"],
  userId: string,
): Promise<string> {
  const decision = await queue.admit(request(userId));
  if (decision.kind !== "accepted") throw new Error(`expected accepted, got ${decision.kind}`);
  return decision.job.id;
}

describe("JobQueue cancel", () => {
  it("removes a queued job from the line without touching ComfyUI", async () => {
    const dispatcher = new FakeDispatcher([{ id: "gpu-1", slots: 0 }]);
    const { queue, stores, events } = await openQueue({ dispatcher });
    const first = await admitted(queue, "a");
    const second = await admitted(queue, "b");
    expect(await queue.cancel(first, { userId: "a" })).toMatchObject({
      kind: "cancelled",
      job: { state: "cancelled" },
    });
    expect(queue.position(second)).toBe(0);
    expect(dispatcher.cancels).toEqual([]);
    expect(events.filter((event) => event.type === "cancelled")).toHaveLength(1);
    dispatcher.setSlots("gpu-1", 2);
    await eventually(() => dispatcher.runs.length === 1, "b dispatched");
    expect(dispatcher.runs[0]!.job.id).toBe(second);
    await settle();
    expect((await stores.jobs.get(first))?.state).toBe("cancelled");
  });

  it("deletes a staged job from ComfyUI's queue by its prompt id", async () => {
    const dispatcher = new FakeDispatcher();
    const { queue } = await openQueue({ dispatcher });
    const id = await admitted(queue, "a");
    await eventually(() => dispatcher.runs.length === 1, "staged");
    const promptId = dispatcher.runs[0]!.job.run.promptId;
    expect(await queue.cancel(id, { userId: "a" })).toMatchObject({ kind: "cancelled" });
    expect(dispatcher.cancels).toEqual([{ jobId: id, promptId, backendId: "gpu-1" }]);
    await queue.onIdle();
    expect(queue.get(id)?.state).toBe("cancelled");
  });

  it("interrupts a running job, and the late run result does not overwrite the cancellation", async () => {
    const dispatcher = new FakeDispatcher();
    const { queue, events } = await openQueue({ dispatcher });
    const id = await admitted(queue, "a");
    await eventually(() => dispatcher.runs.length === 1, "staged");
    dispatcher.runs[0]!.ctx.onEvent({ type: "started" });
    await eventually(() => queue.get(id)?.state === "running", "running");
    expect(await queue.cancel(id, { userId: "mod", byModerator: true })).toMatchObject({ kind: "cancelled" });
    expect(dispatcher.cancels).toHaveLength(1);
    await queue.onIdle();
    expect(queue.get(id)?.state).toBe("cancelled");
    expect(events.find((event) => event.type === "cancelled")).toMatchObject({ byModerator: true });
    expect(events.some((event) => event.type === "failed")).toBe(false);
  });

  it("is idempotent and answers not_allowed, not_found and already_finished", async () => {
    const dispatcher = new FakeDispatcher();
    const { queue } = await openQueue({ dispatcher });
    const id = await admitted(queue, "a");
    expect(await queue.cancel(id, { userId: "b" })).toEqual({ kind: "not_allowed" });
    expect(await queue.cancel("nope", { userId: "a" })).toEqual({ kind: "not_found" });
    expect((await queue.cancel(id, { userId: "a" })).kind).toBe("cancelled");
    expect((await queue.cancel(id, { userId: "a" })).kind).toBe("cancelled");
    expect(dispatcher.cancels.length).toBeLessThanOrEqual(1);

    const done = await admitted(queue, "a");
    await eventually(() => dispatcher.active.length === 1, "done dispatched");
    dispatcher.complete(done);
    await queue.onIdle();
    expect(await queue.cancel(done, { userId: "a" })).toMatchObject({
      kind: "already_finished",
      job: { state: "succeeded" },
    });
  });
});
