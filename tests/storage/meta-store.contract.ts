import { describe, expect, it } from "vitest";
import type { MetaStore } from "../../src/storage/meta-store.js";

export type OpenMetaStore = () => Promise<MetaStore>;

/** What every `MetaStore` must do; run by `meta-store.test.ts` for each implementation. */
export function describeMetaStoreContract(name: string, open: OpenMetaStore): void {
  describe(`MetaStore contract: ${name}`, () => {
    it("round-trips strings under any key, replaces them, and deletes them", async () => {
      const store = await open();
      const key = "comfy-client-id:http://gpu-a:8188";
      expect(await store.get(key)).toBeUndefined();
      await store.set(key, "0b7e-…");
      await store.set("commands-hash:global", ":starts with a colon");
      expect(await store.get(key)).toBe("0b7e-…");
      expect(await store.get("commands-hash:global")).toBe(":starts with a colon");
      await store.set(key, "next");
      expect(await store.get(key)).toBe("next");
      expect(await store.delete(key)).toBe(true);
      expect(await store.delete(key)).toBe(false);
      expect(await store.get(key)).toBeUndefined();
    });
  });
}
