import { describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { FakeDispatcher, image } from "./support/fake-dispatcher.js";
import { memoryStores, openQueue, request, settle, type Harness } from "./support/harness.js";

const message = { channelId: "c", messageId: "m-result" };

/** A job that ran and succeeded; its result is not posted yet. */
async function succeeded(harness: Harness): Promise<string> {
  const decision = await harness.queue.admit(request("u"));
  if (decision.kind !== "accepted") throw new Error("expected accepted");
  const jobId = decision.job.id;
  await eventually(() => harness.dispatcher.runs.length === 1, "dispatched");
  harness.dispatcher.complete(jobId, [image("a.png", 32), image("b.png", 48)]);
  await eventually(() => harness.queue.get(jobId)?.state === "succeeded", "succeeded");
  return jobId;
}

describe("a succeeded job until its result is posted", () => {
  it("keeps its outputs and stays open, across a restart", async () => {
    const stores = memoryStores();
    const first = await openQueue({ stores });
    const jobId = await succeeded(first);
    expect(first.queue.undelivered().map((job) => job.id)).toEqual([jobId]);
    expect((await first.queue.outputsOf(jobId))?.map((file) => file.filename)).toEqual(["a.png", "b.png"]);
    await settle();

    const second = await openQueue({ stores, dispatcher: new FakeDispatcher() });
    expect(second.queue.undelivered().map((job) => job.id)).toEqual([jobId]);
    const kept = await second.queue.outputsOf(jobId);
    expect(kept?.map((file) => file.data.byteLength)).toEqual([32, 48]);
    // Not run again: it already has its image.
    await settle();
    expect(second.dispatcher.runs).toHaveLength(0);
  });

  it("closes as delivered on the message that shows it, and lets its outputs go", async () => {
    const harness = await openQueue();
    const jobId = await succeeded(harness);
    await harness.queue.delivered(jobId, [message]);

    const job = await harness.queue.load(jobId);
    expect(job?.state).toBe("delivered");
    expect(job?.messages).toEqual([message]);
    expect(harness.queue.undelivered()).toEqual([]);
    await eventually(async () => (await harness.queue.outputsOf(jobId)) === undefined, "outputs discarded");
  });

  it("fails as undelivered when its result can never be posted, with the reason", async () => {
    const harness = await openQueue();
    const jobId = await succeeded(harness);
    await harness.queue.undeliverable(jobId, "the channel was deleted");

    const job = await harness.queue.load(jobId);
    expect(job?.state).toBe("failed");
    expect(job?.state === "failed" && job.error).toMatchObject({
      code: "undelivered",
      message: "the channel was deleted",
    });
    expect(harness.queue.undelivered()).toEqual([]);
    await eventually(async () => (await harness.queue.outputsOf(jobId)) === undefined, "outputs discarded");
  });

  it("ignores a delivery of a job that has not succeeded", async () => {
    const harness = await openQueue({ dispatcher: new FakeDispatcher([{ id: "gpu-1", slots: 0 }]) });
    const decision = await harness.queue.admit(request("u"));
    if (decision.kind !== "accepted") throw new Error("expected accepted");
    await harness.queue.delivered(decision.job.id, [message]);
    expect((await harness.stores.jobs.get(decision.job.id))?.state).toBe("queued");
    expect(harness.queue.get(decision.job.id)?.state).toBe("queued");
  });
});
