import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * HTTP basic auth in front of the simulator, the way an authenticating reverse proxy (nginx
 * `auth_basic`, Caddy `basic_auth`) guards a ComfyUI: HTTP routes and the WebSocket upgrade alike.
 */
export function basicAuthCheck(
  credentials: { username: string; password: string } | undefined,
): (req: IncomingMessage) => boolean {
  if (credentials === undefined) return () => true;
  const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
  return (req) => req.headers.authorization === expected;
}

export function refuseUnauthorized(res: ServerResponse): void {
  const text = "401 Unauthorized";
  res.writeHead(401, {
    "www-authenticate": 'Basic realm="ComfyUI"',
    "content-type": "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** The raw answer to a refused upgrade (the socket has no ServerResponse yet). */
export const unauthorizedUpgrade =
  'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="ComfyUI"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';
