/**
 * One admission as the bot makes it, for the admission figures (`admit_us_p99`,
 * `admit_us_p99_during_prune`): `queue.admit` on a `JobQueue` over the storage under test, with
 * every backend busy so admitted jobs wait. An admission checks the member's limits, stores the job
 * and the member's rate-limit hit together, and answers with a position and an ETA.
 */
import { pino } from "pino";
import type { AdmissionRequest } from "../src/queue/admission.js";
import type { Dispatcher } from "../src/queue/dispatcher.js";
import { JobQueue } from "../src/queue/job-queue.js";
import type { Storage } from "../src/storage/storage.js";

/** Every backend busy: admitted jobs wait, nothing is dispatched. */
export const busyDispatcher: Dispatcher = {
  hasFreeSlot: () => false,
  onlineCount: () => 1,
  pickBackend: () => ({ kind: "busy" }),
  run: async () => Promise.reject(new Error("not used")),
  attach: async () => new Promise(() => undefined),
  cancel: async () => Promise.resolve(),
  onCapacity: () => () => undefined,
};

/** Generous limits and one big server: every admission is accepted, none is refused. */
const limits = { jobsPerWindow: 1_000_000, windowSeconds: 60, maxQueuedPerUser: 1_000_000 };
const queueLimits = { maxSize: 10_000_000, maxPerGuild: 10_000_000, maxRequeues: 1, shutdownGraceSeconds: 0 };

/** A request as the generation service hands it to the queue: parameters built, seed chosen. */
export function admissionRequest(n: number): AdmissionRequest {
  const prompt = `a harbour at dawn, fishing boats, oil painting, number ${n}`;
  return {
    userId: `member-${n % 500}`,
    guildId: "1100000000000000001",
    channelId: "1100000000000000002",
    workflow: "sdxl",
    request: { prompt, negative: "blurry" },
    params: {
      prompt,
      negative: "lowres, blurry",
      seed: n * 7919,
      steps: 30,
      cfg: 7,
      width: 1024,
      height: 1024,
      count: 1,
    },
    limits,
  };
}

/** A started queue over `storage`, and a function timing one admission in microseconds. */
export async function admissionQueue(storage: Storage): Promise<{
  admit: (n: number) => Promise<number>;
  close: () => Promise<void>;
}> {
  const queue = new JobQueue({
    stores: storage,
    dispatcher: busyDispatcher,
    logger: pino({ level: "silent" }),
    limits: queueLimits,
  });
  await queue.start();
  return {
    admit: async (n) => {
      const started = performance.now();
      const decision = await queue.admit(admissionRequest(n));
      const us = (performance.now() - started) * 1000;
      if (decision.kind !== "accepted") throw new Error(`admission ${n} was not accepted: ${decision.kind}`);
      return us;
    },
    close: async () => queue.close({ graceMs: 0 }),
  };
}

export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

export const round = (value: number): number => Math.round(value * 10) / 10;
