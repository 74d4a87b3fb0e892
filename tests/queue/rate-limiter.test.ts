import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../src/queue/rate-limiter.js";
import { MemoryRateStore } from "../../src/storage/memory/memory-rate-store.js";
import { FakeClock } from "../support/fake-clock.js";

const limits = { jobsPerWindow: 3, windowSeconds: 60 };

describe("RateLimiter", () => {
  it("allows jobsPerWindow hits, then refuses until exactly one window after the oldest", async () => {
    const time = new FakeClock(() => 1_700_000_000_000);
    const limiter = new RateLimiter(new MemoryRateStore(time.now), time.now);
    for (let i = 0; i < 3; i++) {
      expect(await limiter.check("u", limits)).toEqual({ ok: true });
      await limiter.hit("u", limits);
      await time.advance(10_000);
    }
    // Hits at t=0, 10 s, 20 s; now t=30 s.
    expect(await limiter.check("u", limits)).toEqual({ ok: false, retryAfterMs: 30_000 });
    await time.advance(29_999);
    expect(await limiter.check("u", limits)).toEqual({ ok: false, retryAfterMs: 1 });
    await time.advance(1);
    // Exactly at the edge the first hit has left the window.
    expect(await limiter.check("u", limits)).toEqual({ ok: true });
    await limiter.hit("u", limits);
    expect(await limiter.check("u", limits)).toEqual({ ok: false, retryAfterMs: 10_000 });
    expect(await limiter.check("someone-else", limits)).toEqual({ ok: true });
  });

  it("keeps counting after a restart because the hits live in its store, one record per member", async () => {
    const time = new FakeClock(() => 1_700_000_000_000);
    const store = new MemoryRateStore(time.now);
    const limiter = new RateLimiter(store, time.now);
    for (let i = 0; i < 3; i++) await limiter.hit("u", limits);

    const reborn = new RateLimiter(store, time.now);
    expect(await reborn.check("u", limits)).toEqual({ ok: false, retryAfterMs: 60_000 });
    expect(await store.hits("u")).toHaveLength(3);
  });

  it("keeps only jobsPerWindow hits and lets the record expire one window after the last", async () => {
    const time = new FakeClock(() => 1_700_000_000_000);
    const store = new MemoryRateStore(time.now);
    const limiter = new RateLimiter(store, time.now);
    for (let i = 0; i < 5; i++) {
      await limiter.hit("u", limits);
      await time.advance(1000);
    }
    expect(await store.hits("u")).toHaveLength(3);
    // The last hit was at t = 4 s; now t = 5 s. The record lives until 4 s + 60 s.
    await time.advance(58_999);
    expect(await store.hits("u")).toHaveLength(3);
    await time.advance(1);
    expect(await store.hits("u")).toEqual([]);
  });

  it("forgets a member's hits in memory and in the store", async () => {
    const time = new FakeClock(() => 1_700_000_000_000);
    const store = new MemoryRateStore(time.now);
    const limiter = new RateLimiter(store, time.now);
    for (let i = 0; i < 3; i++) await limiter.hit("u", limits);
    expect(await limiter.forget("u")).toBe(true);
    expect(await limiter.check("u", limits)).toEqual({ ok: true });
    expect(await store.hits("u")).toEqual([]);
  });
});
