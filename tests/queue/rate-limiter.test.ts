import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RateLimiter, rateRecordSchema } from "../../src/queue/rate-limiter.js";
import { Store } from "../../src/store/store.js";
import { clock, silent } from "./support/harness.js";

const limits = { jobsPerWindow: 3, windowSeconds: 60 };

describe("RateLimiter", () => {
  it("allows jobsPerWindow hits, then refuses until exactly one window after the oldest", async () => {
    const store = await Store.open({ logger: silent });
    const time = clock();
    const limiter = new RateLimiter(store.collection("rate-limits", rateRecordSchema), time.now);
    for (let i = 0; i < 3; i++) {
      expect(await limiter.check("u", limits)).toEqual({ ok: true });
      await limiter.hit("u", limits);
      time.advance(10_000);
    }
    // Hits at t=0, 10 s, 20 s; now t=30 s.
    expect(await limiter.check("u", limits)).toEqual({ ok: false, retryAfterMs: 30_000 });
    time.advance(29_999);
    expect(await limiter.check("u", limits)).toEqual({ ok: false, retryAfterMs: 1 });
    time.advance(1);
    // Exactly at the edge the first hit has left the window.
    expect(await limiter.check("u", limits)).toEqual({ ok: true });
    await limiter.hit("u", limits);
    expect(await limiter.check("u", limits)).toEqual({ ok: false, retryAfterMs: 10_000 });
    expect(await limiter.check("someone-else", limits)).toEqual({ ok: true });
  });

  it("keeps counting after a restart because the counter lives in the SQLite file", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "comfycord-rate-"));
    try {
      const time = clock();
      const first = await Store.open({ dataDir: dir, logger: silent });
      const limiter = new RateLimiter(first.collection("rate-limits", rateRecordSchema), time.now);
      for (let i = 0; i < 3; i++) await limiter.hit("u", limits);
      await first.close();

      const second = await Store.open({ dataDir: dir, logger: silent });
      const records = second.collection("rate-limits", rateRecordSchema);
      const reborn = new RateLimiter(records, time.now);
      expect(await reborn.check("u", limits)).toEqual({ ok: false, retryAfterMs: 60_000 });
      // One compact record per user, not one per job.
      const stored = [];
      for await (const entry of records.entries()) stored.push(entry);
      expect(stored).toHaveLength(1);
      expect(stored[0]?.[1].hits).toHaveLength(3);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
