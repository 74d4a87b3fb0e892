import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/config-error.js";
import { loadConfig } from "../../src/config/load-config.js";

const cwd = mkdtempSync(path.join(tmpdir(), "comfycord-shards-"));

function problemsWith(env: Record<string, string>): string[] {
  try {
    loadConfig({ env, cwd });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("DISCORD_SHARD_IDS and DISCORD_SHARD_COUNT", () => {
  it("are both unset by default: one process runs every shard", () => {
    const { env } = loadConfig({ env: {}, cwd });
    expect(env.DISCORD_SHARD_IDS).toBeUndefined();
    expect(env.DISCORD_SHARD_COUNT).toBeUndefined();
  });

  it("read the shards of this process and the total, ids sorted", () => {
    const { env } = loadConfig({ env: { DISCORD_SHARD_IDS: " 3, 0 ", DISCORD_SHARD_COUNT: "4" }, cwd });
    expect(env.DISCORD_SHARD_IDS).toEqual([0, 3]);
    expect(env.DISCORD_SHARD_COUNT).toBe(4);
  });

  it("must be set together, and the error names the key that is missing", () => {
    expect(problemsWith({ DISCORD_SHARD_IDS: "0,1" })).toEqual([
      "DISCORD_SHARD_COUNT: expected the total number of shards (e.g. 4), since DISCORD_SHARD_IDS is set, got nothing",
    ]);
    expect(problemsWith({ DISCORD_SHARD_COUNT: "4" })).toEqual([
      "DISCORD_SHARD_IDS: expected the shards this process runs (e.g. 0,1), since DISCORD_SHARD_COUNT is set, got nothing",
    ]);
  });

  it("refuses ids at or above the count, ids that are not whole numbers, repeats and a count below 1", () => {
    expect(problemsWith({ DISCORD_SHARD_IDS: "1,4", DISCORD_SHARD_COUNT: "4" })).toEqual([
      'DISCORD_SHARD_IDS: expected shard ids below DISCORD_SHARD_COUNT (4), from 0 to 3, got "1,4"',
    ]);
    expect(problemsWith({ DISCORD_SHARD_IDS: "0,one", DISCORD_SHARD_COUNT: "2" })).toEqual([
      'DISCORD_SHARD_IDS: expected shard ids separated by commas, e.g. 0,1 (whole numbers from 0), got "0,one"',
    ]);
    expect(problemsWith({ DISCORD_SHARD_IDS: "1,1", DISCORD_SHARD_COUNT: "2" })).toEqual([
      'DISCORD_SHARD_IDS: expected each shard id once, got "1,1"',
    ]);
    expect(problemsWith({ DISCORD_SHARD_IDS: "0", DISCORD_SHARD_COUNT: "0" })).toEqual([
      "DISCORD_SHARD_COUNT: expected the total number of shards, a whole number from 1, got 0",
    ]);
  });
});
