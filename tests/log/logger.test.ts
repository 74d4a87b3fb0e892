import type * as NodeModule from "node:module";
import { Writable } from "node:stream";
import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../../src/log/logger.js";

// A production install (npm ci --omit=dev) has no pino-pretty: resolving it fails there.
vi.mock("node:module", async (importOriginal) => {
  const actual = await importOriginal<typeof NodeModule>();
  return {
    ...actual,
    createRequire: (from: string | URL) => {
      const require = actual.createRequire(from);
      const resolve = (id: string) => {
        if (id === "pino-pretty")
          throw Object.assign(new Error(`Cannot find module '${id}'`), { code: "MODULE_NOT_FOUND" });
        return require.resolve(id);
      };
      return Object.assign(require, { resolve });
    },
  };
});

function capture(): { destination: Writable; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { destination, lines };
}

describe("the root logger", () => {
  it("redacts tokens and Authorization headers wherever they appear", () => {
    const { destination, lines } = capture();
    const logger = createLogger({ level: "info", destination });
    logger.child({ module: "discord" }).info(
      {
        token: "secret-1",
        request: { headers: { authorization: "Bot secret-2" } },
        env: { DISCORD_TOKEN: "secret-3" },
        // A job as stored: its interaction tokens, at admission and on its message.
        job: {
          origin: { interactionToken: "secret-4", tokenExpiresAt: 1 },
          messages: [{ channelId: "1", messageId: "2", interactionToken: "secret-5" }],
        },
        target: { interactionToken: "secret-6" },
      },
      "request sent",
    );
    const text = lines.join("");
    expect(text).toContain("request sent");
    expect(text).toContain('"module":"discord"');
    expect(text).not.toMatch(/secret-\d/);
    expect(text).toContain("[redacted]");
  });

  it("falls back to JSON lines, saying why, when pretty output is asked for without pino-pretty installed", () => {
    const { destination, lines } = capture();
    const logger = createLogger({ level: "info", pretty: true, destination });
    logger.info("still logging");
    const records = lines.map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(records[0]).toMatchObject({ level: 40, msg: expect.stringContaining("pino-pretty") as unknown });
    expect(records[0]!.msg).toContain("--omit=dev");
    expect(records[1]).toMatchObject({ msg: "still logging" });
  });
});
