import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseStoreUrl } from "../../src/config/store-url.js";

// No Docker engine runs where the tests do: this reads the Redis compose example as Docker would.
const repoRoot = path.resolve(import.meta.dirname, "../..");
const text = readFileSync(path.join(repoRoot, "docker-compose.redis.yml"), "utf8");
// Docker Compose reads YAML merge keys (`<<: *bot`), which the second bot uses.
const compose = parse(text, { merge: true }) as {
  services: Record<
    string,
    { command?: string[]; environment?: Record<string, string>; depends_on?: Record<string, unknown> }
  >;
};

describe("docker-compose.redis.yml", () => {
  it("runs Redis with persistence on and eviction off, as doctor asks", () => {
    const command = compose.services["redis"]?.command ?? [];
    const option = (name: string) => command[command.indexOf(name) + 1];
    expect(option("--appendonly")).toBe("yes");
    expect(option("--maxmemory-policy")).toBe("noeviction");
  });

  const bots = Object.entries(compose.services).filter(([name]) => name.startsWith("comfycord"));

  it("points every bot's STORE_URL at that Redis service and starts it first", () => {
    expect(bots.length).toBe(2);
    for (const [, bot] of bots) {
      const store = parseStoreUrl(bot.environment?.["STORE_URL"] ?? "");
      expect(store).toMatchObject({ kind: "redis" });
      if ("url" in store) expect(Object.keys(compose.services)).toContain(new URL(store.url).hostname);
      expect(Object.keys(bot.depends_on ?? {})).toEqual(["redis"]);
    }
  });

  it("runs each Discord shard in exactly one bot, all bots agreeing on the shard count", () => {
    const env = bots.map(([, bot]) => bot.environment ?? {});
    const counts = new Set(env.map((vars) => vars["DISCORD_SHARD_COUNT"]));
    expect(counts).toEqual(new Set(["2"]));
    const ids = env.flatMap((vars) => (vars["DISCORD_SHARD_IDS"] ?? "").split(",").map(Number));
    expect(ids.sort()).toEqual([0, 1]);
  });
});
