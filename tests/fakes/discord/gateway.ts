import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import { GatewayIntentBits, GatewayOpcodes } from "discord-api-types/v10";
import { WebSocketServer } from "ws";
import type { Json } from "./guild-payloads.js";
import type { Recorder } from "./recorder.js";

export const Intents = {
  guilds: GatewayIntentBits.Guilds,
  guildMembers: GatewayIntentBits.GuildMembers,
  guildPresences: GatewayIntentBits.GuildPresences,
  guildMessages: GatewayIntentBits.GuildMessages,
  guildMessageReactions: GatewayIntentBits.GuildMessageReactions,
  directMessages: GatewayIntentBits.DirectMessages,
  messageContent: GatewayIntentBits.MessageContent,
} as const;

const PRIVILEGED = Intents.guildMembers | Intents.guildPresences | Intents.messageContent;

export interface GatewayFrame {
  at: number;
  direction: "in" | "out";
  connectionId: number;
  op: number;
  t: string | null;
  s: number | null;
  d: unknown;
}

export interface GatewayConnection {
  id: number;
  path: string;
  query: Record<string, string>;
  openedAt: number;
  closedAt: number | null;
  closeCode: number | null;
  sessionId: string | null;
}

interface Session {
  id: string;
  intents: number;
  /** `[shard id, shard count]` from IDENTIFY; `[0, 1]` when the client sent none. */
  shard: [number, number];
  seq: number;
  log: { s: number; t: string; d: unknown }[];
  socket: { ws: WebSocket; connectionId: number } | null;
}

export interface GatewayDeps {
  botToken: string;
  heartbeatIntervalMs: number;
  now: () => number;
  newSessionId: () => string;
  /** READY for a session of `shard`, listing that shard's guilds. */
  readyPayload: (sessionId: string, shard: [number, number]) => Json;
  /** GUILD_CREATE payloads of the guilds on `shard`. */
  guildCreatePayloads: (shard: [number, number]) => Json[];
  membersChunk: (request: Json) => Json | undefined;
  /** Privileged intents the application may request; others close with 4014. */
  allowedPrivilegedIntents: number;
  /** Refuse every IDENTIFY with 4004, whatever the token (REST may still accept it). */
  rejectToken: boolean;
  frames: Recorder<GatewayFrame>;
}

/** The gateway: sessions with sequence logs so RESUME can replay what a dropped connection missed. */
export class FakeGateway {
  readonly connections: GatewayConnection[] = [];
  /** Switch off to make the client detect a zombie connection (close 4200). */
  heartbeatAck = true;
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #sessions = new Map<string, Session>();
  readonly #open = new Map<number, WebSocket>();
  #lastResumedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly deps: GatewayDeps) {}

  attach(server: Server): void {
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      if (url.pathname !== "/gateway" && url.pathname !== "/gateway-resume") {
        socket.destroy();
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onConnection(ws, url));
    });
  }

  /**
   * Sends a dispatch to every session whose intents include `intent` (none given: every session)
   * and whose shard has the event's guild, as Discord routes them: a guild's events go to shard
   * `(guild_id >> 22) % shard_count`, events without a guild (DMs) to shard 0.
   */
  dispatch(t: string, d: unknown, intent?: number): void {
    const guildId =
      typeof d === "object" && d !== null && "guild_id" in d && typeof d.guild_id === "string"
        ? d.guild_id
        : undefined;
    for (const session of this.#sessions.values()) {
      if (intent !== undefined && (session.intents & intent) === 0) continue;
      if (!onShard(guildId, session.shard)) continue;
      this.#dispatchTo(session, t, d);
    }
  }

  closeGateway(code = 4000): void {
    if (code === 4004 || code === 4007 || code === 4009) this.#sessions.clear();
    for (const ws of this.#open.values()) ws.close(code);
  }

  /** Drops the TCP connection without a close frame: the client sees 1006. */
  killGateway(): void {
    for (const ws of this.#open.values()) ws.terminate();
  }

  sendReconnect(): void {
    for (const [id, ws] of this.#open) this.#send(ws, id, { op: GatewayOpcodes.Reconnect, d: null });
  }

  /**
   * Sends op 9. Waits until a just-finished resume has settled: RESUMED followed at once by op 9 crashes
   * discord.js 14.28, whose gateway handles incoming frames concurrently.
   * Real time on purpose: the race is inside the real client, which sends nothing the fake could await
   * once its RESUMED handler is done, and a test moving the fake clock must not skip the guard.
   */
  async invalidateSession(resumable: boolean): Promise<void> {
    const wait = this.#lastResumedAt + 300 - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (!resumable) this.#sessions.clear();
    for (const [id, ws] of this.#open)
      this.#send(ws, id, { op: GatewayOpcodes.InvalidSession, d: resumable });
  }

  get sessionIds(): string[] {
    return [...this.#sessions.keys()];
  }

  async close(): Promise<void> {
    for (const ws of this.#open.values()) ws.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #onConnection(ws: WebSocket, url: URL): void {
    const connection: GatewayConnection = {
      id: this.connections.length + 1,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      openedAt: this.deps.now(),
      closedAt: null,
      closeCode: null,
      sessionId: null,
    };
    this.connections.push(connection);
    this.#open.set(connection.id, ws);
    ws.on("close", (code) => {
      connection.closedAt = this.deps.now();
      connection.closeCode = code;
      this.#open.delete(connection.id);
      for (const session of this.#sessions.values()) {
        if (session.socket?.connectionId === connection.id) session.socket = null;
      }
    });
    ws.on("error", () => undefined);
    ws.on("message", (data, isBinary) => {
      if (isBinary) {
        ws.close(4002, "Decode error");
        return;
      }
      let frame: { op?: unknown; d?: unknown };
      try {
        frame = JSON.parse(Buffer.from(data as Buffer).toString("utf8")) as { op?: unknown; d?: unknown };
      } catch {
        ws.close(4002, "Decode error");
        return;
      }
      this.#record("in", connection.id, frame);
      this.#onFrame(ws, connection, frame);
    });
    this.#send(ws, connection.id, {
      op: GatewayOpcodes.Hello,
      d: { heartbeat_interval: this.deps.heartbeatIntervalMs },
    });
  }

  #onFrame(ws: WebSocket, connection: GatewayConnection, frame: { op?: unknown; d?: unknown }): void {
    const d = (typeof frame.d === "object" && frame.d !== null ? frame.d : {}) as Json;
    switch (frame.op) {
      case GatewayOpcodes.Heartbeat:
        if (this.heartbeatAck) this.#send(ws, connection.id, { op: GatewayOpcodes.HeartbeatAck });
        return;
      case GatewayOpcodes.Identify:
        this.#identify(ws, connection, d);
        return;
      case GatewayOpcodes.Resume:
        this.#resume(ws, connection, d);
        return;
      case GatewayOpcodes.RequestGuildMembers: {
        const chunk = this.deps.membersChunk(d);
        const session = this.#sessionOf(connection.id);
        if (chunk && session) this.#dispatchTo(session, "GUILD_MEMBERS_CHUNK", chunk);
        return;
      }
      case GatewayOpcodes.PresenceUpdate:
      case GatewayOpcodes.VoiceStateUpdate:
        return;
      default:
        ws.close(4001, "Unknown opcode");
    }
  }

  #identify(ws: WebSocket, connection: GatewayConnection, d: Json): void {
    if (connection.sessionId !== null) {
      ws.close(4005, "Already authenticated");
      return;
    }
    const known = d["token"] === this.deps.botToken || d["token"] === `Bot ${this.deps.botToken}`;
    if (!known || this.deps.rejectToken) {
      ws.close(4004, "Authentication failed");
      return;
    }
    const intents = typeof d["intents"] === "number" ? d["intents"] : 0;
    if ((intents & PRIVILEGED & ~this.deps.allowedPrivilegedIntents) !== 0) {
      ws.close(4014, "Disallowed intent(s)");
      return;
    }
    const shard = shardOf(d["shard"]);
    if (!shard) {
      ws.close(4010, "Invalid shard");
      return;
    }
    const session: Session = {
      id: this.deps.newSessionId(),
      intents,
      shard,
      seq: 0,
      log: [],
      socket: { ws, connectionId: connection.id },
    };
    connection.sessionId = session.id;
    this.#sessions.set(session.id, session);
    this.#dispatchTo(session, "READY", this.deps.readyPayload(session.id, shard));
    if (intents & Intents.guilds) {
      for (const guild of this.deps.guildCreatePayloads(shard))
        this.#dispatchTo(session, "GUILD_CREATE", guild);
    }
  }

  #resume(ws: WebSocket, connection: GatewayConnection, d: Json): void {
    const session = this.#sessions.get(String(d["session_id"]));
    if (!session || d["token"] !== this.deps.botToken) {
      this.#send(ws, connection.id, { op: GatewayOpcodes.InvalidSession, d: false });
      return;
    }
    connection.sessionId = session.id;
    session.socket = { ws, connectionId: connection.id };
    const after = typeof d["seq"] === "number" ? d["seq"] : 0;
    for (const entry of session.log) {
      if (entry.s > after)
        this.#send(ws, connection.id, { op: GatewayOpcodes.Dispatch, t: entry.t, s: entry.s, d: entry.d });
    }
    this.#lastResumedAt = performance.now();
    this.#dispatchTo(session, "RESUMED", { _trace: ["fake-discord"] });
  }

  #sessionOf(connectionId: number): Session | undefined {
    return [...this.#sessions.values()].find((s) => s.socket?.connectionId === connectionId);
  }

  #dispatchTo(session: Session, t: string, d: unknown): void {
    session.seq += 1;
    session.log.push({ s: session.seq, t, d });
    const socket = session.socket;
    if (socket && socket.ws.readyState === socket.ws.OPEN) {
      this.#send(socket.ws, socket.connectionId, { op: GatewayOpcodes.Dispatch, t, s: session.seq, d });
    }
  }

  #send(
    ws: WebSocket,
    connectionId: number,
    frame: { op: number; t?: string; s?: number; d?: unknown },
  ): void {
    this.#record("out", connectionId, frame);
    ws.send(JSON.stringify({ t: null, s: null, d: null, ...frame }));
  }

  #record(
    direction: "in" | "out",
    connectionId: number,
    frame: { op?: unknown; t?: unknown; s?: unknown; d?: unknown },
  ): void {
    this.deps.frames.push({
      at: this.deps.now(),
      direction,
      connectionId,
      op: typeof frame.op === "number" ? frame.op : -1,
      t: typeof frame.t === "string" ? frame.t : null,
      s: typeof frame.s === "number" ? frame.s : null,
      d: frame.d,
    });
  }
}

/** IDENTIFY's `shard`: `[id, count]` with 0 <= id < count; absent means `[0, 1]`. Undefined: invalid (4010). */
function shardOf(value: unknown): [number, number] | undefined {
  if (value === undefined) return [0, 1];
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [id, count] = value as unknown[];
  if (typeof id !== "number" || typeof count !== "number" || count < 1 || id < 0 || id >= count)
    return undefined;
  return [id, count];
}

/** Discord's routing rule: a guild's events go to shard `(guild_id >> 22) % count`, DMs to shard 0. */
export function onShard(guildId: string | undefined, [id, count]: [number, number]): boolean {
  if (guildId === undefined || !/^\d+$/.test(guildId)) return id === 0;
  return Number((BigInt(guildId) >> 22n) % BigInt(count)) === id;
}
