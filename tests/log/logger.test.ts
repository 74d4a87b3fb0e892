import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/logger.js";

describe("the root logger", () => {
  it("redacts tokens and Authorization headers wherever they appear", () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ level: "info", destination });
    logger.child({ module: "discord" }).info(
      {
        token: "secret-1",
        request: { headers: { authorization: "Bot secret-2" } },
        env: { DISCORD_TOKEN: "secret-3" },
      },
      "request sent",
    );
    const text = lines.join("");
    expect(text).toContain("request sent");
    expect(text).toContain('"module":"discord"');
    expect(text).not.toMatch(/secret-\d/);
    expect(text).toContain("[redacted]");
  });
});
