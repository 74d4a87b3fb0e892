import type { IncomingMessage, ServerResponse } from "node:http";

// Responses that get whitespace after their JSON (`SimulatorOptions.jsonPadBytes`).
const jsonPadding = new WeakMap<ServerResponse, number>();

/** Makes `sendJson` on this response stream `bytes` of whitespace after the JSON. */
export function padJson(res: ServerResponse, bytes: number): void {
  if (bytes > 0) jsonPadding.set(res, bytes);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, raw?: string): void {
  const text = raw ?? JSON.stringify(body);
  const padding = jsonPadding.get(res);
  if (padding !== undefined) {
    // No Content-Length: a client learns the size only by reading, as from a runaway server.
    res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
    res.write(text);
    writeWhitespace(res, padding);
    return;
  }
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** aiohttp's bare `web.Response()`: 200, empty, application/octet-stream. */
export function sendEmpty(res: ServerResponse, status = 200): void {
  res.writeHead(status, { "content-type": "application/octet-stream", "content-length": 0 });
  res.end();
}

/** aiohttp's answer when a handler raises (ComfyUI has a few reachable ones). */
export function sendServerTrouble(res: ServerResponse): void {
  sendText(res, 500, "500 Internal Server Error\n\nServer got itself in trouble");
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const whitespace = Buffer.alloc(64 * 1024, 0x20);

/** Streams `left` spaces with back-pressure, so a huge pad never sits in memory; stops when the client goes. */
function writeWhitespace(res: ServerResponse, left: number): void {
  while (left > 0) {
    if (res.destroyed) return;
    const piece = left >= whitespace.length ? whitespace : whitespace.subarray(0, left);
    left -= piece.length;
    if (!res.write(piece)) {
      res.once("drain", () => writeWhitespace(res, left));
      return;
    }
  }
  res.end();
}
