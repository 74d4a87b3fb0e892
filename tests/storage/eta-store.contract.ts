import { describe, expect, it } from "vitest";
import type { EtaSnapshot } from "../../src/queue/eta-model.js";
import type { EtaStore } from "../../src/queue/eta-store.js";

export type OpenEtaStore = () => Promise<EtaStore>;

const snapshot: EtaSnapshot = {
  version: 1,
  entries: { "sdxl|1024x1024x1": [31_000, 1000, 12, 1_700_000_000_000], "flux|?": [80_000, 0, 1, 5] },
};

/** What every `EtaStore` must do; run by `eta-store.test.ts` for each implementation. */
export function describeEtaStoreContract(name: string, open: OpenEtaStore): void {
  describe(`EtaStore contract: ${name}`, () => {
    it("has nothing before the first save, then the last snapshot saved, as a copy", async () => {
      const store = await open();
      expect(await store.load()).toBeUndefined();
      await store.save(snapshot);
      const next = {
        version: 1 as const,
        entries: { "sdxl|?": [1, 2, 3, 4] as [number, number, number, number] },
      };
      await store.save(next);
      const loaded = await store.load();
      expect(loaded).toEqual(next);
      if (loaded) loaded.entries["sdxl|?"] = [9, 9, 9, 9];
      expect(await store.load()).toEqual(next);
    });
  });
}
