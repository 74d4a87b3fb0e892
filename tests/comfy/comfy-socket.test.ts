import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import type { AddressInfo } from "node:net";
import { ComfySocket, fullJitterDelay } from "../../src/comfy/comfy-socket.js";
import type { ComfyFrame } from "../../src/comfy/frames.js";
import { eventually } from "../support/eventually.js";
import { silentLogger } from "./backend-fixture.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Connection {
  clientId: string;
  firstFrame: Promise<string>;
  /** Pings received (each answered when `autoPong` is on). */
  pings: number;
}

async function fakeComfy(options: { autoPong: boolean }) {
  const server = new WebSocketServer({ port: 0, host: "127.0.0.1", autoPong: options.autoPong });
  await new Promise((resolve) => server.once("listening", resolve));
  const connections: Connection[] = [];
  server.on("connection", (socket, request) => {
    const clientId = new URL(request.url ?? "/", "http://x").searchParams.get("clientId") ?? "";
    const firstFrame = new Promise<string>((resolve) =>
      socket.once("message", (data) => resolve((data as Buffer).toString("utf8"))),
    );
    const connection: Connection = { clientId, firstFrame, pings: 0 };
    socket.on("ping", () => (connection.pings += 1));
    connections.push(connection);
    socket.send(
      JSON.stringify({
        type: "status",
        data: { status: { exec_info: { queue_remaining: 0 } }, sid: clientId },
      }),
    );
    socket.send(JSON.stringify({ type: "crystools.monitor", data: { cpu: 1 } }));
  });
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, connections };
}

function socketFor(url: string, overrides: Partial<ConstructorParameters<typeof ComfySocket>[0]> = {}) {
  const socket = new ComfySocket({
    url,
    clientId: "bot-base",
    logger: silentLogger,
    pingIntervalMs: 50,
    pongTimeoutMs: 50,
    backoff: { initialMs: 10, maxMs: 40 },
    bootNonce: "boot1",
    ...overrides,
  });
  cleanups.push(() => socket.stop());
  return socket;
}

describe("ComfySocket", () => {
  it("declares preview metadata in its first frame and passes on known frames only", async () => {
    const comfy = await fakeComfy({ autoPong: true });
    const socket = socketFor(comfy.url);
    const frames: ComfyFrame[] = [];
    socket.on("frame", (frame) => frames.push(frame));
    socket.start();
    await eventually(() => frames.length > 0, "a frame");
    expect(JSON.parse(await comfy.connections[0]!.firstFrame)).toEqual({
      type: "feature_flags",
      data: { supports_preview_metadata: true },
    });
    expect(frames).toEqual([{ type: "status", queueRemaining: 0, sid: "bot-base-boot1-1" }]);
  });

  it("stays connected through idle time as long as pings are answered", async () => {
    const comfy = await fakeComfy({ autoPong: true });
    const socket = socketFor(comfy.url);
    socket.start();
    await eventually(() => socket.connected, "the socket connected");
    // A ping goes out only while the socket is open, and each one is sent after the previous ping's
    // pong deadline: eight answered pings on the first connection are eight kept deadlines.
    await eventually(() => comfy.connections[0]!.pings >= 8, "eight pings on the first connection");
    expect(socket.connected).toBe(true);
    expect(comfy.connections).toHaveLength(1);
  });

  it("drops a socket that stops answering pings and reconnects under a new generation of the same base id", async () => {
    const comfy = await fakeComfy({ autoPong: false });
    const socket = socketFor(comfy.url);
    const opened: number[] = [];
    socket.on("open", ({ generation }) => opened.push(generation));
    socket.start();
    await eventually(() => opened.length >= 3, "three connections", { timeoutMs: 3_000 });
    const ids = comfy.connections.map((connection) => connection.clientId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id.startsWith("bot-base-boot1-")).toBe(true);
    expect(opened.slice(0, 3)).toEqual([1, 2, 3]);
  });

  it("keeps retrying while the server is down", async () => {
    const comfy = await fakeComfy({ autoPong: true });
    await new Promise<void>((resolve) => comfy.server.close(() => resolve()));
    const socket = socketFor(comfy.url);
    let closes = 0;
    socket.on("close", () => (closes += 1));
    socket.start();
    await eventually(() => closes >= 4, "four failed attempts", { timeoutMs: 3_000 });
    expect(socket.connected).toBe(false);
  });
});

describe("fullJitterDelay", () => {
  const backoff = { initialMs: 500, maxMs: 30_000 };

  it("doubles the ceiling per attempt from 0.5 s and caps it at 30 s", () => {
    const ceilings = [0, 1, 2, 5, 6, 7, 20].map((attempt) => fullJitterDelay(attempt, backoff, () => 1));
    expect(ceilings).toEqual([500, 1_000, 2_000, 16_000, 30_000, 30_000, 30_000]);
    expect(fullJitterDelay(Infinity, backoff, () => 1)).toBe(30_000);
  });

  it("spreads delays over the whole range down to zero", () => {
    expect(fullJitterDelay(3, backoff, () => 0)).toBe(0);
    expect(fullJitterDelay(3, backoff, () => 0.25)).toBe(1_000);
  });
});
