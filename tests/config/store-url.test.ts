import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/config-error.js";
import { loadConfig } from "../../src/config/load-config.js";
import { parseStoreUrl } from "../../src/config/store-url.js";

const cwd = mkdtempSync(path.join(tmpdir(), "comfycord-store-url-"));

function problemsWith(storeUrl: string): string[] {
  try {
    loadConfig({ env: { STORE_URL: storeUrl }, cwd });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("STORE_URL", () => {
  it("means the SQLite file in DATA_DIR when unset, empty or sqlite:", () => {
    for (const value of [undefined, "", "  ", "sqlite:"]) {
      const env = value === undefined ? {} : { STORE_URL: value };
      expect(loadConfig({ env, cwd }).env.STORE_URL, String(value)).toEqual({ kind: "sqlite" });
    }
  });

  it("puts the store on Redis for redis:// and rediss:// URLs, credentials and database included", () => {
    for (const url of [
      "redis://127.0.0.1:6379",
      "redis://redis:6379/2",
      "rediss://default:s3cret@cache.example.net:6380/0",
      "redis://:only-a-password@localhost",
    ]) {
      expect(loadConfig({ env: { STORE_URL: url }, cwd }).env.STORE_URL).toEqual({ kind: "redis", url });
    }
  });

  it("refuses anything else with a line naming the key and what it expects", () => {
    const expected =
      'STORE_URL: expected "sqlite:" (the SQLite file in DATA_DIR, the default) or a Redis URL ' +
      "redis://host:port/db (rediss:// for TLS; credentials go before the host)";
    expect(problemsWith("postgres://db/comfy")).toEqual([`${expected}, got "postgres://db/comfy"`]);
    expect(problemsWith("localhost:6379")).toEqual([`${expected}, got "localhost:6379"`]);
    expect(problemsWith("redis://host:6379/cache")).toEqual([
      `${expected}: the database after the port is a number (0 to 15 by default), got "redis://host:6379/cache"`,
    ]);
    expect(problemsWith("sqlite:/srv/data")).toEqual([
      'STORE_URL: expected "sqlite:" alone: the SQLite file lives in DATA_DIR, set that instead, got "sqlite:/srv/data"',
    ]);
  });

  it("never repeats a password from a refused URL", () => {
    const problems = problemsWith("redis://user:hunter2@host:6379/db?x=1");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^STORE_URL: /);
    expect(problems[0]).not.toMatch(/hunter2/);
  });

  it("lets operator commands name a data folder after sqlite:", () => {
    expect(parseStoreUrl("sqlite:./data", { allowSqliteFolder: true })).toEqual({
      kind: "sqlite",
      dataDir: "./data",
    });
    expect(parseStoreUrl("sqlite:", { allowSqliteFolder: true })).toEqual({ kind: "sqlite" });
  });
});
