import { describe, expect, it } from "vitest";
import type { RateStore } from "../../src/queue/rate-store.js";

export interface RateStoreUnderTest {
  store: RateStore;
  /** The storage's maintenance: drops records expired by `now`. */
  expire: (now: number) => Promise<number>;
}

/** Opens an empty store whose clock is `now`. */
export type OpenRateStore = (now: () => number) => Promise<RateStoreUnderTest>;

/** What every `RateStore` must do; run by `rate-store.test.ts` for each implementation. */
export function describeRateStoreContract(name: string, open: OpenRateStore): void {
  describe(`RateStore contract: ${name}`, () => {
    it("has no hits for a member without a record, and returns the saved ones, replaced by the next save", async () => {
      const { store } = await open(() => 1000);
      expect(await store.hits("alice")).toEqual([]);
      await store.save("alice", [900, 950], 60_000);
      expect([...(await store.hits("alice"))].sort()).toEqual([900, 950]);
      await store.save("alice", [990], 60_000);
      expect(await store.hits("alice")).toEqual([990]);
      expect(await store.hits("bob")).toEqual([]);
    });

    it("keeps a record until its expiry and not from that instant on", async () => {
      let now = 1000;
      const { store } = await open(() => now);
      await store.save("alice", [1000], 61_000);
      now = 60_999;
      expect(await store.hits("alice")).toEqual([1000]);
      now = 61_000;
      expect(await store.hits("alice")).toEqual([]);
    });

    it("forgets one member's record and says whether there was one", async () => {
      const { store } = await open(() => 1000);
      await store.save("alice", [1000], 60_000);
      await store.save("bob", [1000], 60_000);
      expect(await store.forgetUser("alice")).toBe(true);
      expect(await store.forgetUser("alice")).toBe(false);
      expect(await store.hits("alice")).toEqual([]);
      expect(await store.hits("bob")).toEqual([1000]);
    });

    it("drops records whose expiry has passed when retention runs, and keeps the others", async () => {
      const { store, expire } = await open(() => 1000);
      await store.save("expired", [1], 5000);
      await store.save("at-now", [1], 10_000);
      await store.save("live", [1], 10_001);
      expect(await expire(10_000)).toBe(2);
      expect(await expire(10_000)).toBe(0);
      expect(await store.hits("live")).toEqual([1]);
    });
  });
}
