import { describe, expect, it } from "vitest";
import { capturingLogger } from "./support/temp-storage.js";
import { RedisStorages } from "./support/redis-storages.js";

const redis = RedisStorages.forFile();

describe("records on Redis that cannot be read back", () => {
  it("reads a Keyv record that is not JSON or not of its schema as absent, and logs its key", async () => {
    const { logger, lines } = capturingLogger();
    const storage = await redis.open({ logger });
    const { client, keys } = storage.connection;
    await client.set(`${keys.keyvNamespace("meta")}:broken`, "{not json");
    await client.set(
      `${keys.keyvNamespace("settings")}:guild:g1`,
      JSON.stringify({ value: { guildId: "g1", settings: { maxSteps: -1 } }, expires: null }),
    );
    await client.set(`${keys.keyvNamespace("queue-eta")}:eta`, JSON.stringify({ value: [], expires: null }));
    expect(await storage.meta.get("broken")).toBeUndefined();
    expect(await storage.settings.get("guild:g1")).toBeUndefined();
    expect(await storage.eta.load()).toBeUndefined();
    const warned = lines.filter(
      (line) => line["msg"] === "a stored record cannot be read back; treating it as absent",
    );
    expect(warned.map((line) => line["key"])).toEqual(["broken", "guild:g1", "eta"]);
    // A good record written over a bad one reads back.
    await storage.meta.set("broken", "fixed");
    expect(await storage.meta.get("broken")).toBe("fixed");
  });

  it("reads an unreadable rate-limit record as no hits, which lets the member through rather than blocking them", async () => {
    const storage = await redis.open();
    const { client, keys } = storage.connection;
    await client.set(keys.rate("alice"), "[1, 2");
    expect(await storage.rates.hits("alice")).toEqual([]);
  });

  it("lists a server's channel settings without one whose record moved to another server, and drops it from the index", async () => {
    const storage = await redis.open();
    await storage.settings.set("channel:c1", { guildId: "g1", settings: { maxSteps: 5 } });
    await storage.settings.set("channel:c1", { guildId: "g2", settings: { maxSteps: 6 } });
    expect(await storage.settings.channelsOf("g1")).toEqual([]);
    expect(await storage.settings.channelsOf("g2")).toEqual([
      ["c1", { guildId: "g2", settings: { maxSteps: 6 } }],
    ]);
    const { client, keys } = storage.connection;
    expect(await client.sMembers(keys.settingsChannelsOf("g1"))).toEqual([]);
  });
});
