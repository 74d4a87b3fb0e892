import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseStoreUrl } from "../../src/config/store-url.js";

// No Docker engine runs where the tests do: this reads the Redis compose example as Docker would.
const repoRoot = path.resolve(import.meta.dirname, "../..");
const text = readFileSync(path.join(repoRoot, "docker-compose.redis.yml"), "utf8");
const compose = parse(text) as {
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

  it("points the bot's STORE_URL at that Redis service and starts it first", () => {
    const bot = compose.services["comfycord"];
    const store = parseStoreUrl(bot?.environment?.["STORE_URL"] ?? "");
    expect(store).toMatchObject({ kind: "redis" });
    if ("url" in store) expect(Object.keys(compose.services)).toContain(new URL(store.url).hostname);
    expect(Object.keys(bot?.depends_on ?? {})).toEqual(["redis"]);
  });

  it("keeps to one bot until phase 2 brings the conductor lease", () => {
    expect(text).not.toMatch(/^\s+replicas:/m);
  });
});
