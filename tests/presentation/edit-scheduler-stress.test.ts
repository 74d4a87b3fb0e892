import { describe, expect, it } from "vitest";
import type { SendView } from "../../src/presentation/edit-scheduler.js";
import { maxInAnyWindow, scheduler, view, type SentEdit } from "./edit-scheduler-helpers.js";
import { FakeClock } from "../support/fake-clock.js";

describe("EditScheduler under load", () => {
  it("under stress (100 jobs, 10 channels, 50 updates each) keeps every budget and delivers every final once", async () => {
    const clock = new FakeClock();
    const sent: SentEdit[] = [];
    const delivered = new Map<string, number>();
    let resolved = 0;
    let rejected = 0;
    const minIntervalMs = 1250;
    const budget = 5;
    const edits = scheduler(clock, { minIntervalMs, channelEditsPerSecond: budget, retryBaseMs: 200 });
    const firstUpdateAt = new Map<string, number>();
    let failuresLeft = 30;
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };

    for (let job = 0; job < 100; job += 1) {
      const key = `job${job}`;
      const channelId = `ch${job % 10}`;
      const start = Math.floor(random() * 3000);
      const every = 100 + Math.floor(random() * 200);
      // Some sends fail transiently, finals included, and every send takes a while.
      const send: SendView = (v) => {
        sent.push({ key, channelId, content: v.content, phase: v.phase, at: clock.time });
        const fail = failuresLeft > 0 && random() < 0.1;
        if (fail) failuresLeft -= 1;
        return new Promise<void>((resolve, reject) => {
          clock.setTimer(
            () => {
              if (fail) {
                rejected += 1;
                reject(new Error("503 Service Unavailable"));
                return;
              }
              resolved += 1;
              if (v.phase === "done") delivered.set(key, (delivered.get(key) ?? 0) + 1);
              resolve();
            },
            20 + Math.floor(random() * 200),
          );
        });
      };
      for (let i = 0; i <= 50; i += 1) {
        clock.setTimer(
          () => {
            if (!firstUpdateAt.has(key)) firstUpdateAt.set(key, clock.time);
            const target = { key, channelId };
            if (i === 50) edits.update(target, view(`${key} done`, "done"), send, { final: true });
            else if (i === 0) edits.update(target, view(`${key} queued`, "queued"), send, { flush: true });
            else if (i === 5) edits.update(target, view(`${key} running`), send, { flush: true });
            else edits.update(target, view(`${key} step ${i}`), send);
          },
          start + i * every,
        );
      }
    }
    await clock.advance(120_000);
    await edits.settled();

    expect(rejected).toBeGreaterThan(0);
    for (let channel = 0; channel < 10; channel += 1) {
      const times = sent.filter((s) => s.channelId === `ch${channel}`).map((s) => s.at);
      expect(maxInAnyWindow(times)).toBeLessThanOrEqual(budget);
    }
    const phases = 3;
    for (let job = 0; job < 100; job += 1) {
      const key = `job${job}`;
      const mine = sent.filter((s) => s.key === key);
      expect(delivered.get(key)).toBe(1);
      expect(mine.at(-1)?.phase).toBe("done");
      const duration = (mine.at(-1)?.at ?? 0) - (firstUpdateAt.get(key) ?? 0);
      expect(mine.length).toBeLessThanOrEqual(duration / minIntervalMs + phases);
    }
    expect(edits.stats.sent).toBe(resolved);
    expect(edits.stats.failed).toBe(rejected);
    expect(edits.stats.dropped).toBeGreaterThan(0);
  });
});
