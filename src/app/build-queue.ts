import type { Logger } from "pino";
import { shardPlanOf, type ShardEnv } from "../config/discord-shards.js";
import type { Dispatcher } from "../queue/dispatcher.js";
import type { QueueLimits } from "../queue/engine-options.js";
import { JobQueue } from "../queue/job-queue.js";
import type { QueuePort } from "../queue/queue-port.js";
import { GuildShards } from "../scale/guild-shards.js";
import { ScaleNode } from "../scale/scale-node.js";
import { RedisStorage } from "../storage/redis/redis-storage.js";
import type { Storage } from "../storage/storage.js";

/** The queue the rest of the bot uses, and how it starts and stops. */
export interface BuiltQueue {
  queue: QueuePort;
  /** On Redis: this process among those sharing it (the conductor lease). */
  scale: ScaleNode | undefined;
  start: () => Promise<void>;
  /** Stops admitting; see `Core.close`. */
  close: (graceMs: number) => Promise<void>;
  /** Resolves when nothing waits and nothing runs (tests, `npm run generate`). */
  onIdle: () => Promise<void>;
}

export interface BuildQueueOptions {
  storage: Storage;
  dispatcher: Dispatcher;
  /** Prompts each backend holds for this process, published by a conductor. */
  inFlight: () => Record<string, number>;
  limits: QueueLimits;
  env: ShardEnv;
  logger: Logger;
  now: () => number;
}

/**
 * On a store of its own (SQLite, memory) the process admits, dispatches and shows every job
 * (`JobQueue`). On Redis several processes may share the store: each admits and shows the jobs
 * of its Discord shards, and only the holder of the conductor lease dispatches (`ScaleNode`). One
 * process on Redis is the same with a single contender, so there is no separate switch.
 */
export function buildQueue(options: BuildQueueOptions): BuiltQueue {
  const { storage, dispatcher, limits, logger, now } = options;
  if (storage instanceof RedisStorage) {
    const node = new ScaleNode({
      storage,
      dispatcher,
      inFlight: options.inFlight,
      limits,
      shards: new GuildShards(shardPlanOf(options.env)),
      logger,
      now,
    });
    return {
      queue: node.queue,
      scale: node,
      start: async () => node.start(),
      // A conductor hands its lease over at once: prompts go on in ComfyUI and the next conductor
      // follows them by prompt id, so there is no grace period to wait out.
      close: async () => node.close(),
      onIdle: async () => node.onIdle(),
    };
  }
  const queue = new JobQueue({
    // The queue's stores: jobs, the members' rate-limit records and the learned durations.
    stores: storage,
    dispatcher,
    logger,
    limits,
    now,
  });
  return {
    queue,
    scale: undefined,
    start: async () => queue.start(),
    close: async (graceMs) => queue.close({ graceMs }),
    onIdle: async () => queue.onIdle(),
  };
}
