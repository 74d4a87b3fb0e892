import { describe, expect, it } from "vitest";
import { FairScheduler, type LineEntry } from "../../src/queue/fair-scheduler.js";

let seq = 0;
function job(userId: string, priority = false, guildId = "g"): LineEntry {
  seq++;
  return { id: `${userId}-${seq}`, userId, guildId, priority, seq };
}

/** Takes the first head each time, as the dispatch loop does when every job can go. */
function drain(scheduler: FairScheduler): string[] {
  const order: string[] = [];
  for (;;) {
    const next = scheduler.heads().next();
    if (next.done) return order;
    scheduler.take(next.value);
    order.push(next.value.split("-")[0] ?? "");
  }
}

describe("FairScheduler", () => {
  it("serves users round-robin: A with 5, B with 2, C with 1 go A B C A B A A A", () => {
    const scheduler = new FairScheduler();
    for (let i = 0; i < 5; i++) scheduler.push(job("A"));
    for (let i = 0; i < 2; i++) scheduler.push(job("B"));
    scheduler.push(job("C"));
    expect(drain(scheduler)).toEqual(["A", "B", "C", "A", "B", "A", "A", "A"]);
  });

  it("gives every waiting job the position it is later dispatched at", () => {
    const scheduler = new FairScheduler();
    const jobs: LineEntry[] = [];
    const users = ["u1", "u2", "u3", "u4"];
    // Interleaved and uneven arrivals, with one priority user.
    for (let i = 0; i < 23; i++) {
      const userId = users[(i * 7) % 4] ?? "u1";
      const created = job(userId, userId === "u4" && i % 2 === 0);
      jobs.push(created);
      scheduler.push(created);
    }
    scheduler.take(scheduler.heads().next().value ?? "");
    const predicted = new Map(
      jobs.filter((j) => scheduler.has(j.id)).map((j) => [j.id, scheduler.position(j.id)]),
    );
    const ordered = [...scheduler.ordered()];
    const dispatched: string[] = [];
    for (;;) {
      const next = scheduler.heads().next();
      if (next.done) break;
      scheduler.take(next.value);
      dispatched.push(next.value);
    }
    expect(dispatched).toEqual(ordered);
    expect(dispatched.map((id) => predicted.get(id))).toEqual(dispatched.map((_, index) => index));
  });

  it("serves the priority lane first and keeps it fair too", () => {
    const scheduler = new FairScheduler();
    const normal = job("N");
    scheduler.push(normal);
    scheduler.push(job("P", true));
    scheduler.push(job("P", true));
    scheduler.push(job("Q", true));
    expect(scheduler.position(normal.id)).toBe(3);
    expect(drain(scheduler)).toEqual(["P", "Q", "P", "N"]);
  });

  it("lets a newcomer with nothing in flight go before the next job of a member who has one in flight", () => {
    const scheduler = new FairScheduler();
    for (let i = 0; i < 4; i++) scheduler.push(job("A"));
    scheduler.take(scheduler.heads().next().value ?? "");
    const late = job("B");
    scheduler.push(late);
    expect(scheduler.position(late.id)).toBe(0);
    expect(drain(scheduler)).toEqual(["B", "A", "A", "A"]);
  });

  it("lets a member whose job finished take turns again as if it had waited", () => {
    const scheduler = new FairScheduler();
    const first = job("A");
    scheduler.push(first);
    scheduler.push(job("A"));
    scheduler.push(job("B"));
    scheduler.take(first.id);
    // A's first job runs: B goes next.
    expect([...scheduler.ordered()].map((id) => id.split("-")[0])).toEqual(["B", "A"]);
    scheduler.released(first.id);
    // It finished before anything else was dispatched: A was served, B never was, so B still goes first.
    expect([...scheduler.ordered()].map((id) => id.split("-")[0])).toEqual(["B", "A"]);
    expect(drain(scheduler)).toEqual(["B", "A"]);
  });

  it("puts a requeued job back first, before everyone else", () => {
    const scheduler = new FairScheduler();
    const lost = job("A");
    scheduler.push(job("B"));
    scheduler.push(job("C"));
    scheduler.unshift(lost);
    expect(scheduler.position(lost.id)).toBe(0);
    expect(drain(scheduler)).toEqual(["A", "B", "C"]);
  });

  it("removes a cancelled job without costing its owner a turn", () => {
    const scheduler = new FairScheduler();
    const a1 = job("A");
    scheduler.push(a1);
    scheduler.push(job("B"));
    scheduler.push(job("A"));
    expect(scheduler.remove(a1.id)).toBe(true);
    expect(scheduler.remove(a1.id)).toBe(false);
    expect(drain(scheduler)).toEqual(["A", "B"]);
  });
});
