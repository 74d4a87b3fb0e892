import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { DiscordAPIError, REST, Routes } from "discord.js";
import { Agent, interceptors, request } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fetchForDiscord } from "../../src/discord/discord-fetch.js";
import { createLogger } from "../../src/log/logger.js";
import { tinyPng } from "../fakes-discord/discord-client-harness.js";
import { startFakeDiscord, type FakeDiscord } from "../fakes/discord/index.js";

const prompt = "a lighthouse keeper's secret garden at dusk";

/** The real logger writing into memory; `entries()` parses each line. */
function memoryLogger(): { logger: ReturnType<typeof createLogger>; text: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ level: "info", destination }), text: () => chunks.join("") };
}

/** A byte array written out as JSON numbers, like `[137,80,78,71,...]` (a PNG's first bytes). */
const numberArray = /\[\s*(\d{1,3}\s*,\s*){15,}/;

function lineOf(text: string): Record<string, unknown> {
  const lines = text.trim().split("\n");
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

describe("error lines in the log", () => {
  let discord: FakeDiscord;
  let rest: REST;

  beforeEach(async () => {
    discord = await startFakeDiscord();
    rest = new REST({ api: discord.apiUrl, makeRequest: fetchForDiscord, retries: 0 }).setToken(
      discord.botToken,
    );
  });

  afterEach(async () => {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
    await discord.close();
  });

  /** A real failed edit: the interaction was never answered, so `@original` does not exist (10008). */
  async function failedEdit(token: string): Promise<DiscordAPIError> {
    try {
      await rest.patch(Routes.webhookMessage(discord.applicationId, token, "@original"), {
        auth: false,
        body: {
          content: `**${prompt}**`,
          embeds: [{ description: prompt, image: { url: "attachment://result.png" } }],
          attachments: [{ id: 0, filename: "result.png", description: prompt }],
        },
        files: [{ name: "result.png", data: Buffer.concat([tinyPng(64, 64), Buffer.alloc(20_000, 7)]) }],
      });
    } catch (error) {
      if (error instanceof DiscordAPIError) return error;
      throw error;
    }
    throw new Error("expected the edit to fail");
  }

  it("logs a failed Discord edit without the interaction token, the prompt or the image bytes", async () => {
    const handle = discord.invokeSlash({ name: "generate", options: { prompt } });
    const error = await failedEdit(handle.token);
    // The raw error really carries all three: what the serializer has to keep out.
    expect(error.url).toContain(encodeURIComponent(handle.token));
    expect(JSON.stringify(error.requestBody)).toContain(prompt);

    const { logger, text } = memoryLogger();
    logger.warn({ err: error, jobId: "job-1" }, "progress edit failed");

    const line = text();
    for (const part of handle.token.split(":")) expect(line).not.toContain(part);
    expect(line).not.toContain(discord.botToken);
    expect(line).not.toContain("lighthouse");
    expect(line).not.toMatch(numberArray);
    expect(line).not.toContain('"Buffer"');
    expect(line.length).toBeLessThan(4000);
    const entry = lineOf(line);
    expect(entry).toMatchObject({ msg: "progress edit failed", jobId: "job-1" });
    expect(entry["err"]).toMatchObject({
      type: "DiscordAPIError",
      message: "Unknown Message",
      code: 10008,
      status: 404,
      method: "PATCH",
      url: `${discord.apiUrl}/v10/webhooks/${discord.applicationId}/[token]/messages/%40original`,
    });
    expect((entry["err"] as { stack: string }).stack).toContain("DiscordAPIError");
  });

  it("serializes the cause chain the same way", async () => {
    const handle = discord.invokeSlash({ name: "generate", options: { prompt } });
    const discordError = await failedEdit(handle.token);
    const outer = new Error("could not deliver job-1", { cause: discordError });

    const { logger, text } = memoryLogger();
    logger.error({ err: outer }, "delivery failed");

    const line = text();
    for (const part of handle.token.split(":")) expect(line).not.toContain(part);
    expect(line).not.toContain("lighthouse");
    expect(line).not.toMatch(numberArray);
    const err = lineOf(line)["err"] as Record<string, unknown>;
    expect(err).toMatchObject({ message: "could not deliver job-1" });
    expect(err["cause"]).toMatchObject({ type: "DiscordAPIError", code: 10008, method: "PATCH" });
    expect((err["cause"] as { url: string }).url).toContain("/[token]/");
  });

  it("masks tokens and passwords in URLs written inside messages and stacks", () => {
    const error = new Error(
      "POST https://discord.com/api/v10/interactions/1234567890/aW50ZXJhY3Rpb246MTIz:c2VjcmV0/callback failed; " +
        "GET http://operator:hunter2@gpu-a:8188/history?token=abc123&max_items=5 failed",
    );
    const { logger, text } = memoryLogger();
    logger.error({ err: error }, "request failed");
    const line = text();
    for (const secret of ["aW50ZXJhY3Rpb246MTIz", "c2VjcmV0", "hunter2", "operator", "abc123"]) {
      expect(line).not.toContain(secret);
    }
    const err = lineOf(line)["err"] as { message: string };
    expect(err.message).toContain("/interactions/1234567890/[token]/callback");
    expect(err.message).toContain("http://[credentials]@gpu-a:8188/history?token=[redacted]&max_items=5");
  });

  describe("with an HTTP server that answers 500 with the request echoed back", () => {
    let server: Server;

    beforeEach(async () => {
      server = createServer((req, res) => {
        res.writeHead(500, { "content-type": "application/json", "set-cookie": "session=s3cr3t" });
        res.end(JSON.stringify({ error: "boom", prompt, image: [...tinyPng(8, 8)] }));
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    });

    afterEach(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it("drops the response body and headers an undici error carries", async () => {
      const agent = new Agent().compose(interceptors.responseError());
      const { port } = server.address() as AddressInfo;
      let caught: unknown;
      try {
        await request(`http://127.0.0.1:${port}/prompt`, { dispatcher: agent });
      } catch (error) {
        caught = error;
      } finally {
        await agent.close();
      }
      expect(JSON.stringify(caught)).toContain("lighthouse");

      const { logger, text } = memoryLogger();
      logger.error({ err: caught }, "ComfyUI request failed");
      const line = text();
      expect(line).not.toContain("lighthouse");
      expect(line).not.toContain("s3cr3t");
      expect(line).not.toMatch(numberArray);
      expect(lineOf(line)["err"]).toMatchObject({ type: "ResponseError", statusCode: 500 });
    });
  });
});
