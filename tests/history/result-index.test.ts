import { afterEach, describe, expect, it } from "vitest";
import { ResultIndex } from "../../src/history/result-index.js";
import { Store } from "../../src/store/store.js";
import { openTempStore, result, silent } from "./records.js";

const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map(async (store) => store.close()));
});

for (const kind of ["SQLite file", "in-memory"] as const) {
  describe(`ResultIndex.page on a ${kind} store`, () => {
    it("pages one member's results in one server, newest first", async () => {
      const store = kind === "SQLite file" ? await openTempStore() : await Store.open({ logger: silent });
      stores.push(store);
      const results = new ResultIndex(store);
      for (let index = 0; index < 7; index++) {
        await results.record(result({ messageId: `a${index}`, userId: "alice", createdAt: 1000 + index }));
      }
      await results.record(
        result({ messageId: "other-server", userId: "alice", createdAt: 5000, guildId: "g2" }),
      );
      await results.record(result({ messageId: "bobs", userId: "bob", createdAt: 6000 }));

      const first = await results.page({ userId: "alice", guildId: "g1", offset: 0, limit: 5 });
      expect(first.total).toBe(7);
      expect(first.entries.map((entry) => entry.messageId)).toEqual(["a6", "a5", "a4", "a3", "a2"]);
      const second = await results.page({ userId: "alice", guildId: "g1", offset: 5, limit: 5 });
      expect(second.entries.map((entry) => entry.messageId)).toEqual(["a1", "a0"]);
      const elsewhere = await results.page({ userId: "alice", guildId: "g2", offset: 0, limit: 5 });
      expect(elsewhere.entries.map((entry) => entry.messageId)).toEqual(["other-server"]);
    });
  });
}
