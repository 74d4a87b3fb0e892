import { afterEach, describe, expect, it } from "vitest";
import { startRedisServer } from "../support/redis-server.js";

const path = process.env["PATH"];
afterEach(() => {
  process.env["PATH"] = path;
});

describe("the tests' own Redis server", () => {
  it("fails, naming Debian's package, when redis-server is not installed, instead of skipping", async () => {
    process.env["PATH"] = "/nonexistent";
    await expect(startRedisServer()).rejects.toThrow(
      "redis-server is not installed: the Redis tests need it. Install Debian's package " +
        "(apt-get install -y redis-server); .ci/run installs it when it is missing.",
    );
  });

  it("starts on a free loopback port, answers, and is gone once stopped", async () => {
    const server = await startRedisServer();
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    await server.stop();
    await expect(
      startRedisServer([], { port: server.port }).then(async (again) => again.stop()),
    ).resolves.toBe(undefined);
  });
});
