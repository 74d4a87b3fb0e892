import { describe, expect, it } from "vitest";
import type { EditErrorInfo, SendView } from "../../src/presentation/edit-scheduler.js";
import { maxInAnyWindow, recorder, scheduler, view } from "./edit-scheduler-helpers.js";
import { FakeClock, settleMicrotasks } from "../support/fake-clock.js";

describe("EditScheduler", () => {
  it("sends the first view of a message at once", async () => {
    const clock = new FakeClock();
    const rec = recorder(clock);
    const edits = scheduler(clock);
    edits.update({ key: "a", channelId: "c1" }, view("one"), rec.sender("a"));
    await settleMicrotasks();
    expect(rec.sent.map((s) => s.content)).toEqual(["one"]);
    expect(edits.stats.sent).toBe(1);
  });

  it("keeps only the latest view while a message waits for its interval", async () => {
    const clock = new FakeClock();
    const rec = recorder(clock);
    const edits = scheduler(clock);
    const target = { key: "a", channelId: "c1" };
    edits.update(target, view("v1"), rec.sender("a"));
    for (const content of ["v2", "v3", "v4", "v5"]) {
      await clock.advance(100);
      edits.update(target, view(content), rec.sender("a"));
    }
    await clock.advance(2000);
    expect(rec.sent.map((s) => s.content)).toEqual(["v1", "v5"]);
    expect(rec.sent[1]?.at).toBe(1250);
    expect(edits.stats).toMatchObject({ sent: 2, dropped: 3 });
  });

  it("never has two edits of one message in flight, even when a send is slow", async () => {
    const clock = new FakeClock();
    const rec = recorder(clock, 4000);
    const edits = scheduler(clock);
    const target = { key: "a", channelId: "c1" };
    for (let i = 0; i < 40; i += 1) {
      edits.update(target, view(`v${i}`), rec.sender("a"));
      await clock.advance(250);
    }
    await clock.advance(20_000);
    expect(rec.maxInFlight()).toBe(1);
    // Each edit waited for the previous one (4 s) to finish.
    const gaps = rec.sent.slice(1).map((s, i) => s.at - (rec.sent[i]?.at ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(4000);
    expect(rec.sent.at(-1)?.content).toBe("v39");
  });

  it("spaces the edits of one message by at least the minimum interval", async () => {
    const clock = new FakeClock();
    const rec = recorder(clock, 30);
    const edits = scheduler(clock, { minIntervalMs: 1250 });
    const target = { key: "a", channelId: "c1" };
    for (let i = 0; i < 100; i += 1) {
      edits.update(target, view(`v${i}`), rec.sender("a"), { flush: i % 25 === 0 });
      await clock.advance(100);
    }
    await clock.advance(5000);
    // Plain progress waits the full interval. A shorter gap (never under the 400 ms flush
    // interval) is allowed only for the edit carrying a phase change issued since the last send.
    const flushIssuedAt = [0, 25, 50, 75].map((i) => i * 100);
    for (const [i, sent] of rec.sent.slice(1).entries()) {
      const previous = rec.sent[i]!.at;
      const gap = sent.at - previous;
      expect(gap).toBeGreaterThanOrEqual(400);
      if (gap < 1250) expect(flushIssuedAt.some((at) => at >= previous && at <= sent.at)).toBe(true);
    }
    expect(rec.sent.length).toBeLessThanOrEqual(Math.floor(10_000 / 1250) + 1 + 4);
    expect(rec.sent.at(-1)?.content).toBe("v99");
  });

  it("sends a phase change after the shorter flush interval, not the full one", async () => {
    const clock = new FakeClock();
    const rec = recorder(clock, 10);
    const edits = scheduler(clock, { minIntervalMs: 1250, flushIntervalMs: 400 });
    const target = { key: "a", channelId: "c1" };
    edits.update(target, view("step 1"), rec.sender("a"));
    await clock.advance(100);
    edits.update(target, view("running", "running"), rec.sender("a"), { flush: true });
    await clock.advance(2000);
    expect(rec.sent.map((s) => [s.at, s.content])).toEqual([
      [0, "step 1"],
      [400, "running"],
    ]);
  });

  it("sends the final state as soon as the message's previous edit is done", async () => {
    const clock = new FakeClock();
    const rec = recorder(clock, 30);
    const edits = scheduler(clock, { minIntervalMs: 1250, flushIntervalMs: 400 });
    const target = { key: "a", channelId: "c1" };
    edits.update(target, view("step 1"), rec.sender("a"));
    await clock.advance(5);
    // The result arrives while "step 1" is still on its way: it waits for that send, no longer.
    edits.update(target, view("step 2"), rec.sender("a"));
    edits.update(target, view("done", "done"), rec.sender("a"), { final: true });
    await clock.advance(2000);
    expect(rec.sent.map((s) => [s.at, s.content])).toEqual([
      [0, "step 1"],
      [30, "done"],
    ]);
  });

  it("keeps one edit of each channel window for results, and holds a result back only when the budget is spent", async () => {
    const clock = new FakeClock();
    const rec = recorder(clock, 5);
    const edits = scheduler(clock, { minIntervalMs: 1250, flushIntervalMs: 400, channelEditsPerSecond: 2 });
    for (const key of ["a", "b"]) edits.update({ key, channelId: "c1" }, view(`${key} 1`), rec.sender(key));
    await clock.advance(10);
    // Progress took one of the two edits and left the other for a result.
    expect(rec.sent.map((s) => s.content)).toEqual(["a 1"]);
    edits.update({ key: "c", channelId: "c1" }, view("c done", "done"), rec.sender("c"), { final: true });
    await clock.advance(10);
    edits.update({ key: "d", channelId: "c1" }, view("d done", "done"), rec.sender("d"), { final: true });
    await clock.advance(3000);
    const at = (content: string) => rec.sent.find((s) => s.content === content)?.at;
    expect(at("c done")).toBe(10);
    // The window's two edits are spent: the second result waits for the first to leave it.
    expect(at("d done")).toBe(1000);
    expect(at("b 1")).toBeGreaterThanOrEqual(1000);
    expect(maxInAnyWindow(rec.sent.map((s) => s.at))).toBeLessThanOrEqual(2);
  });

  it("keeps 20 jobs in one channel within the channel's edits per second", async () => {
    const clock = new FakeClock();
    const rec = recorder(clock, 80);
    const edits = scheduler(clock, { minIntervalMs: 1000, channelEditsPerSecond: 5 });
    for (let tick = 0; tick < 50; tick += 1) {
      for (let job = 0; job < 20; job += 1) {
        edits.update({ key: `job${job}`, channelId: "c1" }, view(`${job}:${tick}`), rec.sender(`job${job}`));
      }
      await clock.advance(200);
    }
    await clock.advance(10_000);
    expect(maxInAnyWindow(rec.sent.map((s) => s.at))).toBeLessThanOrEqual(5);
    // Every job still ends on its latest state.
    for (let job = 0; job < 20; job += 1) {
      expect(rec.sent.filter((s) => s.key === `job${job}`).at(-1)?.content).toBe(`${job}:49`);
    }
  });

  it("lets a phase change go ahead of waiting progress updates in the channel budget", async () => {
    const clock = new FakeClock();
    const rec = recorder(clock);
    const edits = scheduler(clock, { minIntervalMs: 0, channelEditsPerSecond: 1 });
    // Use up the budget, then queue progress for five jobs before the phase change of a sixth.
    edits.update({ key: "first", channelId: "c1" }, view("first"), rec.sender("first"));
    await settleMicrotasks();
    for (let job = 0; job < 5; job += 1) {
      edits.update({ key: `p${job}`, channelId: "c1" }, view(`progress ${job}`), rec.sender(`p${job}`));
      await clock.advance(10);
    }
    edits.update({ key: "phase", channelId: "c1" }, view("done", "done"), rec.sender("phase"), {
      flush: true,
    });
    await clock.advance(1000);
    expect(rec.sent.map((s) => s.content)).toEqual(["first", "done"]);
    await clock.advance(5000);
    // Plain progress then goes oldest first.
    expect(rec.sent.slice(2).map((s) => s.content)).toEqual([0, 1, 2, 3, 4].map((n) => `progress ${n}`));
  });

  it("retries a final view whose send rejects, with backoff, and reports each failure", async () => {
    const clock = new FakeClock();
    const errors: EditErrorInfo[] = [];
    const edits = scheduler(clock, { retryBaseMs: 1000, onError: (_e, info) => errors.push(info) });
    const attempts: number[] = [];
    const flaky: SendView = () => {
      attempts.push(clock.time);
      return attempts.length < 3 ? Promise.reject(new Error("502 Bad Gateway")) : Promise.resolve();
    };
    expect(() =>
      edits.update({ key: "a", channelId: "c1" }, view("done", "done"), flaky, { final: true }),
    ).not.toThrow();
    await clock.advance(10_000);
    await edits.settled("a");
    // Backoff 1 s then 2 s between the attempts.
    expect(attempts).toEqual([0, 1000, 3000]);
    expect(errors.map((e) => [e.attempt, e.willRetry, e.final])).toEqual([
      [1, true, true],
      [2, true, true],
    ]);
    expect(edits.stats).toMatchObject({ sent: 1, failed: 2 });
  });

  it("gives up on a final view after the allowed attempts, or at once when the error is permanent", async () => {
    const clock = new FakeClock();
    const errors: EditErrorInfo[] = [];
    const edits = scheduler(clock, {
      maxAttempts: 3,
      retryBaseMs: 100,
      isRetryable: (error) => !(error instanceof Error && error.message.includes("Unknown Message")),
      onError: (_e, info) => errors.push(info),
    });
    let transientCalls = 0;
    edits.update(
      { key: "t", channelId: "c1" },
      view("done", "done"),
      () => {
        transientCalls += 1;
        return Promise.reject(new Error("socket hang up"));
      },
      { final: true },
    );
    let permanentCalls = 0;
    edits.update(
      { key: "p", channelId: "c1" },
      view("done", "done"),
      () => {
        permanentCalls += 1;
        return Promise.reject(new Error("10008 Unknown Message"));
      },
      { final: true },
    );
    await clock.advance(30_000);
    await edits.settled();
    expect(transientCalls).toBe(3);
    expect(permanentCalls).toBe(1);
    expect(errors.filter((e) => e.key === "t").at(-1)?.willRetry).toBe(false);
    expect(errors.filter((e) => e.key === "p")).toEqual([
      { key: "p", channelId: "c1", final: true, attempt: 1, willRetry: false },
    ]);
  });

  it("retries a phase change that failed when nothing newer is waiting", async () => {
    const clock = new FakeClock();
    const edits = scheduler(clock, { retryBaseMs: 500 });
    const attempts: number[] = [];
    edits.update(
      { key: "a", channelId: "c1" },
      view("running", "running"),
      () => {
        attempts.push(clock.time);
        return attempts.length === 1 ? Promise.reject(new Error("500")) : Promise.resolve();
      },
      { flush: true },
    );
    await clock.advance(5000);
    expect(attempts).toEqual([0, 500]);
    expect(edits.stats).toMatchObject({ sent: 1, failed: 1 });
  });

  it("does not retry a plain progress edit that failed", async () => {
    const clock = new FakeClock();
    const edits = scheduler(clock);
    let calls = 0;
    edits.update({ key: "a", channelId: "c1" }, view("progress"), () => {
      calls += 1;
      return Promise.reject(new Error("timeout"));
    });
    await clock.advance(30_000);
    expect(calls).toBe(1);
    expect(edits.stats.failed).toBe(1);
  });

  it("survives a send that throws synchronously and an onError that throws", async () => {
    const clock = new FakeClock();
    const edits = scheduler(clock, {
      onError: () => {
        throw new Error("broken metrics hook");
      },
    });
    let calls = 0;
    const throwing: SendView = () => {
      calls += 1;
      if (calls === 1) throw new Error("sync boom");
      return Promise.resolve();
    };
    expect(() =>
      edits.update({ key: "a", channelId: "c1" }, view("x", "done"), throwing, { final: true }),
    ).not.toThrow();
    await clock.advance(5000);
    expect(calls).toBe(2);
    expect(edits.stats).toMatchObject({ sent: 1, failed: 1 });
  });

  it("ignores progress that arrives after a message's final view", async () => {
    const clock = new FakeClock();
    const rec = recorder(clock);
    const edits = scheduler(clock);
    const target = { key: "a", channelId: "c1" };
    edits.update(target, view("running"), rec.sender("a"));
    edits.update(target, view("done", "done"), rec.sender("a"), { final: true });
    edits.update(target, view("late progress"), rec.sender("a"));
    await clock.advance(5000);
    edits.update(target, view("later progress"), rec.sender("a"), { flush: true });
    await clock.advance(5000);
    expect(rec.sent.map((s) => s.content)).toEqual(["running", "done"]);
    expect(edits.stats.ignored).toBe(2);
  });

  it("settles a key once its pending view has been delivered", async () => {
    const clock = new FakeClock();
    const rec = recorder(clock, 500);
    const edits = scheduler(clock);
    const target = { key: "a", channelId: "c1" };
    edits.update(target, view("v1"), rec.sender("a"));
    edits.update(target, view("v2"), rec.sender("a"));
    let settled = false;
    void edits.settled("a").then(() => {
      settled = true;
    });
    await clock.advance(1000);
    expect(settled).toBe(false);
    await clock.advance(1000);
    expect(settled).toBe(true);
    expect(rec.sent.map((s) => s.content)).toEqual(["v1", "v2"]);
    await expect(edits.settled("never-seen")).resolves.toBeUndefined();
  });

  it("on close, discards pending views, releases waiters and ignores further updates", async () => {
    const clock = new FakeClock();
    const rec = recorder(clock);
    const edits = scheduler(clock);
    const target = { key: "a", channelId: "c1" };
    edits.update(target, view("v1"), rec.sender("a"));
    edits.update(target, view("v2"), rec.sender("a"));
    const waiting = edits.settled();
    edits.close();
    await waiting;
    edits.update(target, view("v3"), rec.sender("a"));
    await clock.advance(5000);
    expect(rec.sent.map((s) => s.content)).toEqual(["v1"]);
    expect(edits.stats.dropped).toBe(1);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("rejects option values that cannot work, saying what it received", () => {
    const clock = new FakeClock();
    expect(() => scheduler(clock, { channelEditsPerSecond: 0 })).toThrow(/received 0/);
    expect(() => scheduler(clock, { minIntervalMs: Number.NaN })).toThrow(/received NaN/);
  });
});
