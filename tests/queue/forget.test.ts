import { describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { FakeDispatcher, image } from "./support/fake-dispatcher.js";
import { openQueue, request, settle } from "./support/harness.js";

describe("forgetting a member while their work is under way", () => {
  it("never writes a forgotten job back when its result is posted afterwards", async () => {
    const harness = await openQueue();
    const decision = await harness.queue.admit(request("u"));
    if (decision.kind !== "accepted") throw new Error("expected accepted");
    const jobId = decision.job.id;
    await eventually(() => harness.dispatcher.runs.length === 1, "dispatched");
    harness.dispatcher.complete(jobId, [image("a.png")]);
    await eventually(() => harness.queue.get(jobId)?.state === "succeeded", "succeeded");

    // The Discord layer is posting the result when the member forgets.
    const counts = await harness.queue.forgetUser("u");
    await harness.queue.delivered(jobId, [{ channelId: "c", messageId: "m" }]);

    expect(counts.jobs).toBe(1);
    expect(harness.queue.isForgotten(jobId)).toBe(true);
    expect(await harness.stores.jobs.get(jobId)).toBeUndefined();
    expect(await harness.stores.spool.load(jobId)).toBeUndefined();
    expect(harness.queue.undelivered()).toEqual([]);
  });

  it("never writes a forgotten running job back when its run ends afterwards", async () => {
    const harness = await openQueue();
    const decision = await harness.queue.admit(request("u"));
    if (decision.kind !== "accepted") throw new Error("expected accepted");
    const jobId = decision.job.id;
    await eventually(() => harness.dispatcher.runs.length === 1, "dispatched");
    harness.dispatcher.runs[0]!.ctx.onEvent({ type: "started" });
    await eventually(() => harness.queue.get(jobId)?.state === "running", "running");

    const counts = await harness.queue.forgetUser("u");
    expect(counts.cancelled).toBe(1);
    // The socket still delivers what ComfyUI said before the interrupt reached it.
    harness.dispatcher.runs[0]!.ctx.onEvent({ type: "started" });
    await settle();

    expect(await harness.stores.jobs.get(jobId)).toBeUndefined();
    expect(await harness.stores.spool.load(jobId)).toBeUndefined();
    expect(harness.queue.jobsOf("u")).toEqual([]);
  });

  it("lets no admission of the member slip in between the cancel and the delete", async () => {
    const harness = await openQueue({ dispatcher: new FakeDispatcher([{ id: "gpu-1", slots: 0 }]) });
    await harness.queue.admit(request("u"));
    const forgetting = harness.queue.forgetUser("u");
    const admitting = harness.queue.admit(request("u"));
    const [counts, late] = await Promise.all([forgetting, admitting]);

    expect(counts.jobs).toBe(1);
    // The later /generate is a new request, made after the forget: it stays, and nothing older does.
    if (late.kind !== "accepted") throw new Error(`expected accepted, got ${late.kind}`);
    expect(harness.queue.jobsOf("u").map((job) => job.id)).toEqual([late.job.id]);
    expect(await harness.stores.rates.hits("u")).toHaveLength(1);
  });
});
