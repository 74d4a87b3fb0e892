import { describe, expect, it } from "vitest";
import type { SettingsStore } from "../../src/moderation/settings-store.js";
import { settingsRecord } from "../support/stored-records.js";

export type OpenSettingsStore = () => Promise<SettingsStore>;

/** What every `SettingsStore` must do; run by `settings-store.test.ts` for each implementation. */
export function describeSettingsStoreContract(name: string, open: OpenSettingsStore): void {
  describe(`SettingsStore contract: ${name}`, () => {
    it("round-trips a layer (text starting with ':' included), replaces it, and deletes it", async () => {
      const store = await open();
      expect(await store.get("guild:g1")).toBeUndefined();
      await store.set("guild:g1", settingsRecord("g1", 40));
      expect(await store.get("guild:g1")).toEqual(settingsRecord("g1", 40));
      await store.set("guild:g1", settingsRecord("g1", 20));
      expect(await store.get("guild:g1")).toEqual(settingsRecord("g1", 20));
      await store.delete("guild:g1");
      await store.delete("guild:g1");
      expect(await store.get("guild:g1")).toBeUndefined();
    });

    it("lists the channel records of one server only", async () => {
      const store = await open();
      await store.set("guild:g1", settingsRecord("g1", 1));
      await store.set("channel:c1", settingsRecord("g1", 2));
      await store.set("channel:c2", settingsRecord("g1", 3));
      await store.set("channel:c3", settingsRecord("g2", 4));
      const channels = (await store.channelsOf("g1")).sort(([a], [b]) => a.localeCompare(b));
      expect(channels).toEqual([
        ["c1", settingsRecord("g1", 2)],
        ["c2", settingsRecord("g1", 3)],
      ]);
      expect(await store.channelsOf("g3")).toEqual([]);
    });

    it("refuses a record that does not match the settings schema", async () => {
      const store = await open();
      await expect(store.set("guild:g1", { guildId: "g1", settings: { maxSteps: -5 } })).rejects.toThrow();
      expect(await store.get("guild:g1")).toBeUndefined();
    });
  });
}
