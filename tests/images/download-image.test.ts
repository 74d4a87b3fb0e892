import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { downloadImage } from "../../src/images/download-image.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A server on 127.0.0.1 answering every request with `answer`; resolves with its URL. */
async function serve(answer: (res: ServerResponse) => void): Promise<string> {
  const server = createServer((_req, res) => answer(res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/a.png`;
}

describe("downloadImage", () => {
  it("returns the bytes unchanged when they fit the cap", async () => {
    const bytes = Buffer.from([1, 2, 3, 4, 5]);
    const url = await serve((res) => res.end(bytes));
    expect(await downloadImage(url, { maxBytes: 5 })).toEqual({ ok: true, bytes: new Uint8Array(bytes) });
  });

  it("refuses a declared length over the cap, and a body without one that grows past it", async () => {
    const declared = await serve((res) => {
      res.writeHead(200, { "content-length": "1000" });
      res.end(Buffer.alloc(1000));
    });
    expect(await downloadImage(declared, { maxBytes: 999 })).toEqual({
      ok: false,
      problem: "too_large",
      limit: 999,
    });
    let sent = 0;
    const streamed = await serve((res) => {
      // No length: chunks until the client hangs up (or 8 MiB), waiting whenever the socket is full.
      res.writeHead(200);
      const more = (): void => {
        while (sent < 8 * 1024 * 1024 && !res.destroyed) {
          sent += 64 * 1024;
          if (!res.write(Buffer.alloc(64 * 1024))) {
            res.once("drain", more);
            return;
          }
        }
        res.end();
      };
      more();
    });
    expect(await downloadImage(streamed, { maxBytes: 100_000 })).toEqual({
      ok: false,
      problem: "too_large",
      limit: 100_000,
    });
    // Cut off soon after the cap, not read to the end.
    expect(sent).toBeLessThan(8 * 1024 * 1024);
  });

  it("says what failed for an error status or a host that is not there", async () => {
    const missing = await serve((res) => {
      res.writeHead(404);
      res.end("no");
    });
    expect(await downloadImage(missing, { maxBytes: 10 })).toMatchObject({
      ok: false,
      problem: "failed",
      detail: /404/,
    });
    expect(await downloadImage("http://127.0.0.1:1/x.png", { maxBytes: 10 })).toMatchObject({
      ok: false,
      problem: "failed",
    });
  });
});
