import type { Logger } from "pino";
import type { RedisConnection } from "../storage/redis/redis-connection.js";
import type { RedisJobEvents } from "../storage/redis/redis-job-events.js";
import { readEntry, type ScaleEntry } from "./stream-entry.js";

export interface EventReaderOptions {
  events: RedisJobEvents;
  /** The storage's connection: the reader opens one of its own beside it (it blocks while waiting). */
  redis: RedisConnection;
  logger: Logger;
  /** Each entry in stream order; the next is handled once this settles, so keep it short. */
  onEntry: (entry: ScaleEntry) => void | Promise<void>;
  /**
   * Entries were trimmed from the stream before this reader got to them (it was stopped or cut off
   * for long): reload what they would have told from stored state, and say where to read on.
   */
  onGap: () => Promise<{ after: string; n: number }>;
  /** How long one read waits for a new entry (default 1 s): also how soon `stop()` returns. */
  blockMs?: number;
}

/**
 * Follows the job event stream for one process: every entry after a snapshot's position, in
 * order. Entries are numbered (`n`), so a reader that finds one missing knows it fell behind the
 * stream's trimming, and reloads from stored state instead of going on with a hole.
 */
export class EventReader {
  readonly #o: EventReaderOptions;
  #reader: RedisConnection | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: EventReaderOptions) {
    this.#o = options;
  }

  /** Reads every entry after `after` (whose `n` is `n`), until `stop()`. */
  async start(from: { after: string; n: number }): Promise<void> {
    this.#reader = await this.#o.redis.sibling("comfycord-events");
    this.#running = this.#loop(this.#reader, from.after, from.n);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
    await this.#reader?.close();
  }

  async #loop(reader: RedisConnection, from: string, fromN: number): Promise<void> {
    const { events, logger, blockMs = 1000 } = this.#o;
    let after = from;
    let lastN = fromN;
    let failing = false;
    while (!this.#stopped) {
      let batch;
      try {
        batch = await events.read(reader, after, blockMs);
        if (failing) logger.info("reading job events again");
        failing = false;
      } catch (error) {
        if (!failing) logger.warn({ err: error }, "could not read job events; retrying");
        failing = true;
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      for (const raw of batch) {
        const entry = readEntry(raw);
        if (entry.n !== lastN + 1) {
          logger.warn({ expected: lastN + 1, got: entry.n }, "missed job events; reloading the open jobs");
          ({ after, n: lastN } = await this.#resync({ after, n: lastN }));
          break;
        }
        after = entry.id;
        lastN = entry.n;
        if (entry.kind === "unreadable") {
          logger.warn({ entry: entry.id, reason: entry.reason }, "skipped a job event that cannot be read");
          continue;
        }
        try {
          await this.#o.onEntry(entry);
        } catch (error) {
          logger.error({ err: error, entry: entry.id, kind: entry.kind }, "handling a job event failed");
        }
      }
    }
  }

  /** Reloads until it works (the store may be what failed), or until stopped. */
  async #resync(current: { after: string; n: number }): Promise<{ after: string; n: number }> {
    while (!this.#stopped) {
      try {
        return await this.#o.onGap();
      } catch (error) {
        this.#o.logger.error({ err: error }, "reloading the open jobs failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    return current;
  }
}
