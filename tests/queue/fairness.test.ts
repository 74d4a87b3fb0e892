import { describe, expect, it } from "vitest";
import { FakeDispatcher } from "./support/fake-dispatcher.js";
import { eventually } from "../support/eventually.js";
import { openQueue, request, type Harness } from "./support/harness.js";

/** Completes the oldest active run and waits until the freed slot is refilled, or no job waits any more. */
async function finishOne({ queue, dispatcher }: Pick<Harness, "queue" | "dispatcher">): Promise<void> {
  const runs = dispatcher.runs.length;
  dispatcher.complete(dispatcher.active[0]!.job.id);
  const nothingWaits = () => queue.unfinished().every((job) => job.state !== "queued");
  await eventually(() => dispatcher.runs.length > runs || nothingWaits(), "the next dispatch");
}

describe("JobQueue fairness", () => {
  it("runs B's only job before A's third when B asks while A's first runs (issue 13, item 12)", async () => {
    // One GPU host: one running plus one staged prompt.
    const dispatcher = new FakeDispatcher([{ id: "gpu-1", slots: 2 }]);
    const harness = await openQueue({ dispatcher });
    const { queue } = harness;
    for (let i = 0; i < 3; i++) await queue.admit(request("A"));
    await eventually(() => dispatcher.runs.length === 2, "A's first two in flight");
    dispatcher.runs[0]!.ctx.onEvent({ type: "started" });
    const b = await queue.admit(request("B"));
    if (b.kind !== "accepted") throw new Error("expected accepted");
    // B has nothing in flight: it goes before A's third, which waits behind A's two in flight.
    expect(b.position).toBe(0);
    await finishOne(harness);
    expect(dispatcher.runs.map((run) => run.job.userId)).toEqual(["A", "A", "B"]);
    await finishOne(harness);
    expect(dispatcher.runs.map((run) => run.job.userId)).toEqual(["A", "A", "B", "A"]);
  });

  it("serves the member who was served longest ago first when both have nothing in flight", async () => {
    const dispatcher = new FakeDispatcher([{ id: "gpu-1", slots: 1 }]);
    const harness = await openQueue({ dispatcher });
    const { queue } = harness;
    await queue.admit(request("A"));
    await eventually(() => dispatcher.runs.length === 1, "A served");
    await queue.admit(request("A"));
    await queue.admit(request("B"));
    await queue.admit(request("C"));
    // A was just served (and still runs); B and C never were.
    expect(["A", "B", "C"].map((user) => queue.position(queue.jobsOf(user).at(-1)!.id))).toEqual([2, 0, 1]);
    for (let n = 0; n < 3; n++) await finishOne(harness);
    expect(dispatcher.runs.map((run) => run.job.userId)).toEqual(["A", "B", "C", "A"]);
  });

  it("lets servers take turns, then members within a server", async () => {
    const dispatcher = new FakeDispatcher([{ id: "gpu-1", slots: 0 }]);
    const harness = await openQueue({ dispatcher });
    const { queue } = harness;
    // A busy server with three members, two jobs each, and a quiet one with a single member.
    for (const member of ["a1", "a2", "a3"]) {
      for (let i = 0; i < 2; i++) await queue.admit(request(member, { guildId: "busy" }));
    }
    const quiet = await queue.admit(request("q1", { guildId: "quiet" }));
    await queue.admit(request("q1", { guildId: "quiet" }));
    if (quiet.kind !== "accepted") throw new Error("expected accepted");
    expect(quiet.position).toBe(1);
    dispatcher.setSlots("gpu-1", 1);
    await eventually(() => dispatcher.runs.length === 1, "the first dispatch");
    while (dispatcher.active.length > 0) await finishOne(harness);
    expect(dispatcher.runs.map((run) => run.job.userId)).toEqual([
      "a1",
      "q1",
      "a2",
      "q1",
      "a3",
      "a1",
      "a2",
      "a3",
    ]);
  });

  it("predicts each waiting job's position as the order it is dispatched in while nothing finishes", async () => {
    const dispatcher = new FakeDispatcher([{ id: "gpu-1", slots: 2 }]);
    const { queue } = await openQueue({ dispatcher });
    const arrivals = ["A", "A", "A", "B", "C", "A", "B", "D", "D", "D", "E"];
    const guilds: Record<string, string> = { A: "g1", B: "g1", C: "g2", D: "g2", E: "g3" };
    for (const member of arrivals.slice(0, 3))
      await queue.admit(request(member, { guildId: guilds[member]! }));
    await eventually(() => dispatcher.runs.length === 2, "two in flight");
    for (const member of arrivals.slice(3)) await queue.admit(request(member, { guildId: guilds[member]! }));
    const waiting = queue.unfinished().filter((job) => job.state === "queued");
    expect(waiting).toHaveLength(9);
    const predicted = new Map(waiting.map((job) => [job.id, queue.position(job.id)]));
    // A position assumes the jobs in flight are still running: open every slot at once.
    dispatcher.setSlots("gpu-1", 20);
    await eventually(() => dispatcher.runs.length === 11, "all dispatched");
    const order = dispatcher.runs.slice(2).map((run) => run.job.id);
    expect(order.map((id) => predicted.get(id))).toEqual(order.map((_, index) => index));
    expect(dispatcher.runs.slice(2).map((run) => run.job.userId)).toEqual([
      "C",
      "E",
      "D",
      "B",
      "D",
      "B",
      "D",
      "A",
      "A",
    ]);
  });
});
