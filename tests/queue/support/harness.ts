import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import type { AdmissionRequest, EffectiveLimits } from "../../../src/queue/admission.js";
import { JobQueue, type JobQueueOptions } from "../../../src/queue/job-queue.js";
import type { QueueEvent } from "../../../src/queue/queue-events.js";
import { MemoryEtaStore } from "../../../src/storage/memory/memory-eta-store.js";
import { MemoryJobStore } from "../../../src/storage/memory/memory-job-store.js";
import { MemoryOutputSpool } from "../../../src/storage/memory/memory-output-spool.js";
import { MemoryRateStore } from "../../../src/storage/memory/memory-rate-store.js";
import { FakeDispatcher } from "./fake-dispatcher.js";

export const silent = pino({ level: "silent" });

export const generous: EffectiveLimits = { jobsPerWindow: 1000, windowSeconds: 60, maxQueuedPerUser: 1000 };

export function request(userId: string, overrides: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    userId,
    guildId: "g1",
    channelId: "c1",
    workflow: "txt2img",
    request: { prompt: `a cat for ${userId}` },
    params: { prompt: `a cat for ${userId}`, width: 512, height: 512, steps: 4 },
    limits: generous,
    ...overrides,
  };
}

/** Deterministic lowercase ids: job-1, job-2... */
export function ids(prefix = "id"): () => string {
  let n = 0;
  return () => `${prefix}-${++n}`;
}

export async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "comfycord-queue-"));
  return { dir, remove: async () => rm(dir, { recursive: true, force: true }) };
}

/** The queue's stores; tests that restart the queue hand the same ones to the next one. */
export type QueueStores = JobQueueOptions["stores"];

export function memoryStores(): QueueStores {
  return {
    jobs: new MemoryJobStore(),
    rates: new MemoryRateStore(),
    eta: new MemoryEtaStore(),
    spool: new MemoryOutputSpool(),
  };
}

export interface Harness {
  queue: JobQueue;
  dispatcher: FakeDispatcher;
  stores: QueueStores;
  events: QueueEvent[];
}

export async function openQueue(
  options: Partial<JobQueueOptions> & { dispatcher?: FakeDispatcher } = {},
): Promise<Harness> {
  const stores = options.stores ?? memoryStores();
  const dispatcher = options.dispatcher ?? new FakeDispatcher();
  const queue = new JobQueue({
    logger: silent,
    positionIntervalMs: 0,
    ...options,
    stores,
    dispatcher,
  });
  const events: QueueEvent[] = [];
  queue.subscribe((event) => {
    events.push(event);
  });
  await queue.start();
  return { queue, dispatcher, stores, events };
}

/** Lets pending promise chains (store writes, run settlements) finish. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
