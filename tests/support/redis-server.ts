import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * A real `redis-server` of the test's own, on a free loopback port, with nothing saved to disk.
 * Tests that need Redis never skip: when the binary is missing they fail, naming the package.
 */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`; append `/<db>` for another database. */
  readonly url: string;
  /** Stops the server (SIGTERM, then SIGKILL after 2 s) and removes its folder. */
  stop(): Promise<void>;
}

const missingBinary =
  "redis-server is not installed: the Redis tests need it. Install Debian's package " +
  "(apt-get install -y redis-server); .ci/run installs it when it is missing.";

/**
 * Starts a server and resolves once it answers PING; `args` are more `redis-server` options,
 * `port` a port to use again (a restart of a stopped server).
 */
export async function startRedisServer(
  args: readonly string[] = [],
  options: { port?: number } = {},
): Promise<RedisServer> {
  if (spawnSync("redis-server", ["--version"], { stdio: "ignore" }).error) throw new Error(missingBinary);
  // Redis has no `--port 0`: ask the kernel for a free port, release it and hand it over. Another
  // process may take it meanwhile; the PING wait below then fails loudly rather than testing it.
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(path.join(tmpdir(), "comfycord-redis-"));
  const child = spawn(
    "redis-server",
    [
      ...["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
      ...args,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  try {
    await waitForPong(port, child, () => output, args.includes("--requirepass"));
  } catch (error) {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPong(
  port: number,
  child: ChildProcess,
  output: () => string,
  needsAuth: boolean,
): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`redis-server exited with code ${child.exitCode} before answering:\n${output()}`);
    }
    if (await answersPing(port, needsAuth)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within 10 s:\n${output()}`);
}

/**
 * One inline PING over a raw socket: the client under test is not used to test its own server.
 * With a password set, a ready server answers NOAUTH, which is enough to know it is up.
 */
async function answersPing(port: number, needsAuth: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let reply = "";
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes("\r\n")) done(reply.startsWith(needsAuth ? "-NOAUTH" : "+PONG"));
    });
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
  await exited;
  clearTimeout(timer);
}
