import { createClient } from "@keyv/redis";
import type { Logger } from "pino";
import { StorageError, StorageOpenError, type StorageFailure } from "../storage-error.js";
import { RedisKeys } from "./redis-keys.js";
import { redactRedisUrl } from "./redis-url.js";

/**
 * The one Redis client of a storage. It comes from `@keyv/redis`, which re-exports
 * `@redis/client`'s `createClient`: the Keyv namespaces and the stores' own commands and Lua
 * scripts share this connection, and the client's version is the one the adapter was tested with
 * (no second Redis library to keep in step).
 */
export type RedisClient = ReturnType<typeof newClient>;

export interface RedisConnectionOptions {
  /** `redis://` or `rediss://`, credentials allowed (never logged). */
  url: string;
  logger: Logger;
  /** Key prefix; the default is `{comfycord}:`, tests use one each. */
  keyPrefix?: string;
  /** Shown by `CLIENT LIST`, so an operator (and `migrate-store`) can tell who is connected. */
  clientName?: string;
  /** How long one command may take before it rejects (default 10 s, like SQLite's busy wait). */
  commandTimeoutMs?: number;
  /** How long the first connection may take (default 5 s). */
  connectTimeoutMs?: number;
}

/** Redis error replies by their leading code, as the storage's failure kinds. */
const failureByReply: Record<string, StorageFailure> = {
  OOM: "full",
  READONLY: "read_only",
  MISCONF: "io",
  LOADING: "busy",
  BUSY: "busy",
  NOPERM: "read_only",
};

/**
 * A connected client plus the storage's rules for it: every command goes through `run`, which
 * refuses once the storage is closed and turns any failure into a `StorageError` naming what was
 * being done. Commands are not queued while the connection is down (`disableOfflineQueue`): they
 * reject at once, so an admission answers "not stored, try again" instead of waiting on a dead
 * server, and the client reconnects in the background.
 */
export class RedisConnection {
  readonly client: RedisClient;
  readonly keys: RedisKeys;
  /** The URL without credentials, for logs and `Storage.location`. */
  readonly location: string;
  readonly #logger: Logger;
  readonly #options: RedisConnectionOptions;
  #closed = false;
  /** The link broke after start-up and has not come back yet (one warning per break). */
  #down = false;
  /** Until the first connection settles: no reconnecting, and `connect` reports the error. */
  #connecting = true;

  private constructor(options: RedisConnectionOptions) {
    this.keys = new RedisKeys(options.keyPrefix);
    this.location = redactRedisUrl(options.url);
    this.#logger = options.logger;
    this.#options = options;
    // The first attempt fails at once (a wrong URL should stop start-up with one line); after
    // that, back off up to 2 s between attempts, forever.
    this.client = newClient(options, (retries) =>
      this.#connecting ? false : Math.min(2000, 50 * 2 ** retries),
    );
    // One listener for the client's life: `off` on this client (a proxy carrying the command
    // options) would detach later listeners from the real client's events.
    this.client.on("error", (error: unknown) => {
      // While connecting, `connect` rejects with the error; afterwards every failed command
      // rejects to its caller, and this line says once that the link broke.
      if (this.#connecting || this.#down || this.#closed) return;
      this.#down = true;
      this.#logger.warn({ err: error, redis: this.location }, "lost the connection to Redis; reconnecting");
    });
    this.client.on("ready", () => {
      if (!this.#down) return;
      this.#down = false;
      this.#logger.info({ redis: this.location }, "connected to Redis again");
    });
  }

  /** Connects; fails with a `StorageOpenError` an operator can act on. */
  static async open(options: RedisConnectionOptions): Promise<RedisConnection> {
    const connection = new RedisConnection(options);
    try {
      await connection.client.connect();
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new StorageOpenError(
        `Redis at ${connection.location} (STORE_URL) cannot be reached: ${redactMessage(detail)}. ` +
          "Check that it runs and the host, port, password and TLS (rediss://) are right; " +
          "`npm run doctor` checks it.",
        { cause: error },
      );
    } finally {
      connection.#connecting = false;
    }
    return connection;
  }

  /**
   * Another connection to the same server with the same key prefix, for commands that hold a
   * connection while they wait (`XREAD BLOCK`): on this one they would hold up every store.
   */
  async sibling(clientName: string): Promise<RedisConnection> {
    return RedisConnection.open({ ...this.#options, clientName });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Runs commands; rejects with a `StorageError` when closed or when Redis failed. */
  async run<T>(doing: string, commands: (client: RedisClient) => Promise<T>): Promise<T> {
    if (this.#closed) throw new StorageError("closed", `storage ${doing} failed: the storage is closed`);
    try {
      return await commands(this.client);
    } catch (error) {
      throw redisStorageError(error, doing);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.client.isOpen) return;
    try {
      // Waits for the replies still due, then closes the socket.
      await this.client.close();
    } catch (error) {
      this.#logger.debug({ err: error }, "closing the Redis connection failed; dropping it");
      this.client.destroy();
    }
  }
}

function newClient(options: RedisConnectionOptions, reconnectStrategy: (retries: number) => number | false) {
  return createClient({
    url: options.url,
    ...(options.clientName === undefined ? {} : { name: options.clientName }),
    disableOfflineQueue: true,
    commandOptions: { timeout: options.commandTimeoutMs ?? 10_000 },
    socket: { connectTimeout: options.connectTimeoutMs ?? 5000, reconnectStrategy },
  });
}

/** Any error from the Redis client as a `StorageError`. */
export function redisStorageError(error: unknown, doing: string): StorageError {
  if (error instanceof StorageError) return error;
  const detail = redactMessage(error instanceof Error ? error.message : String(error));
  // The client's errors keep the name "Error"; their classes tell them apart.
  const name = error instanceof Error ? error.constructor.name : "";
  const code = /^([A-Z]+)\b/.exec(detail)?.[1] ?? "";
  // A transaction sent while the link is down rejects with the socket's own error (ECONNREFUSED…).
  const socketCode =
    typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
      ? error.code
      : "";
  const failure: StorageFailure =
    failureByReply[code] ??
    (/Offline|ClosedUnexpectedly|Timeout|ClientClosed/.test(name) || /^E[A-Z]+$/.test(socketCode)
      ? "io"
      : "failed");
  return new StorageError(failure, `storage ${doing} failed: ${detail}`, { cause: error });
}

/** Client messages may quote the URL they failed on. */
function redactMessage(text: string): string {
  return text.replace(/\b(rediss?:\/\/)[^/\s@]*@/gi, "$1[credentials]@");
}
