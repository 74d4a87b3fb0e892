import { describe, expect, it } from "vitest";
import type { ResultStore } from "../../src/history/result-store.js";
import type { StoredResultRow } from "../../src/storage/memory/memory-result-store.js";
import { resultEntry } from "../support/stored-records.js";

/** Opens an empty store of the implementation under test, with `planted` rows as another writer left them. */
export type OpenResultStore = (planted?: readonly StoredResultRow[]) => Promise<ResultStore>;

/** What every `ResultStore` must do; run by `result-store.test.ts` for each implementation. */
export function describeResultStoreContract(name: string, open: OpenResultStore): void {
  describe(`ResultStore contract: ${name}`, () => {
    it("round-trips an entry, replaces it when the same message is recorded again, and removes it", async () => {
      const store = await open();
      const entry = resultEntry({ messageId: "m1", createdAt: 1000, prompt: ":) a smile" });
      await store.record(entry);
      expect(await store.get("m1")).toEqual(entry);
      const again = { ...entry, workflow: "flux" };
      await store.record(again);
      expect(await store.get("m1")).toEqual(again);
      expect(await store.remove("m1")).toBe(true);
      expect(await store.remove("m1")).toBe(false);
      expect(await store.get("m1")).toBeUndefined();
    });

    it("pages one member's results in one server newest first, ties by message id, with the total", async () => {
      const store = await open();
      for (let index = 0; index < 7; index++) {
        await store.record(resultEntry({ messageId: `a${index}`, userId: "alice", createdAt: 1000 + index }));
      }
      await store.record(resultEntry({ messageId: "tie-b", userId: "alice", createdAt: 1003 }));
      await store.record(
        resultEntry({ messageId: "other-server", userId: "alice", guildId: "g2", createdAt: 5000 }),
      );
      await store.record(resultEntry({ messageId: "bobs", userId: "bob", createdAt: 6000 }));

      const ids = async (offset: number, limit: number, guildId = "g1") => {
        const page = await store.page({ userId: "alice", guildId, offset, limit });
        return { ids: page.entries.map((entry) => entry.messageId), total: page.total };
      };
      expect(await ids(0, 5)).toEqual({ ids: ["a6", "a5", "a4", "tie-b", "a3"], total: 8 });
      expect(await ids(5, 5)).toEqual({ ids: ["a2", "a1", "a0"], total: 8 });
      expect(await ids(10, 5)).toEqual({ ids: [], total: 8 });
      expect(await ids(0, 5, "g2")).toEqual({ ids: ["other-server"], total: 1 });
      expect(await store.page({ userId: "carol", guildId: "g1", offset: 0, limit: 5 })).toEqual({
        entries: [],
        total: 0,
      });
    });

    it("forgets one member's results in every server and nothing of another's", async () => {
      const store = await open();
      await store.record(resultEntry({ messageId: "a1", userId: "alice", createdAt: 1 }));
      await store.record(resultEntry({ messageId: "a2", userId: "alice", guildId: "g2", createdAt: 2 }));
      await store.record(resultEntry({ messageId: "b1", userId: "bob", createdAt: 3 }));
      expect(await store.forgetUser("alice")).toBe(2);
      expect(await store.forgetUser("alice")).toBe(0);
      expect(await store.get("a2")).toBeUndefined();
      expect(await store.get("b1")).toBeDefined();
    });

    it("prunes entries created before the cutoff and keeps those created at it or later", async () => {
      const store = await open();
      const cutoff = 1_700_000_000_000;
      await store.record(resultEntry({ messageId: "before", createdAt: cutoff - 1 }));
      await store.record(resultEntry({ messageId: "at", createdAt: cutoff }));
      await store.record(resultEntry({ messageId: "after", createdAt: cutoff + 1 }));
      expect(await store.pruneBefore(cutoff)).toBe(1);
      expect(await store.get("before")).toBeUndefined();
      expect(await store.get("at")).toBeDefined();
      expect(await store.get("after")).toBeDefined();
    });

    it("prunes more entries than one batch", async () => {
      const store = await open();
      for (let index = 0; index < 23; index++)
        await store.record(resultEntry({ messageId: `m${index}`, createdAt: index }));
      expect(await store.pruneBefore(100, { batchRows: 5, pause: async () => Promise.resolve() })).toBe(23);
      expect((await store.page({ userId: "u1", guildId: "g1", offset: 0, limit: 50 })).total).toBe(0);
    });

    it("reads an unreadable entry as absent and leaves it out of pages", async () => {
      const good = resultEntry({ messageId: "good", createdAt: 2 });
      const store = await open([
        { messageId: "bad", userId: "u1", guildId: "g1", createdAt: 1, text: "{oops" },
        { messageId: "good", userId: "u1", guildId: "g1", createdAt: 2, text: JSON.stringify(good) },
      ]);
      expect(await store.get("bad")).toBeUndefined();
      const page = await store.page({ userId: "u1", guildId: "g1", offset: 0, limit: 10 });
      expect(page.entries).toEqual([good]);
    });
  });
}
