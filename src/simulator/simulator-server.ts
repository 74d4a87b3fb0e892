import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { WebSocketServer } from "ws";
import { basicAuthCheck, refuseUnauthorized, unauthorizedUpgrade } from "./basic-auth.js";
import { padJson } from "./http-replies.js";
import type { WsHub } from "./ws-hub.js";

export interface SimulatorServerOptions {
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  wss: WebSocketServer;
  hub: WsHub;
  basicAuth: { username: string; password: string } | undefined;
  jsonPadBytes: number;
  logger: Logger | undefined;
}

/**
 * The simulator's HTTP server: the REST routes, and `/ws` (or `/api/ws`) upgrades handed to the
 * hub, both behind the optional basic-auth guard; JSON answers padded when asked.
 */
export function createSimulatorServer(options: SimulatorServerOptions): Server {
  const authorized = basicAuthCheck(options.basicAuth);
  const server = createServer((req, res) => {
    if (!authorized(req)) {
      refuseUnauthorized(res);
      return;
    }
    padJson(res, options.jsonPadBytes);
    options
      .handler(req, res)
      .catch((error: unknown) => options.logger?.error({ err: error }, "simulator route failed"));
  });
  server.on("upgrade", (req, socket, head) => {
    if (!authorized(req)) {
      socket.end(unauthorizedUpgrade);
      return;
    }
    const url = new URL(req.url ?? "/", "http://simulator");
    if (url.pathname !== "/ws" && url.pathname !== "/api/ws") {
      socket.destroy();
      return;
    }
    options.wss.handleUpgrade(req, socket, head, (ws) =>
      options.hub.accept(ws, url.searchParams.get("clientId")),
    );
  });
  return server;
}
