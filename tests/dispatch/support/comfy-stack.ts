import { randomUUID } from "node:crypto";
import { BackendPool } from "../../../src/comfy/backend-pool.js";
import { ComfyBackend } from "../../../src/comfy/comfy-backend.js";
import { ComfyDispatcher } from "../../../src/dispatch/comfy-dispatcher.js";
import { JobQueue } from "../../../src/queue/job-queue.js";
import type { QueueEvent } from "../../../src/queue/queue-events.js";
import { startComfySimulator, type ComfySimulator } from "../../../src/simulator/comfy-simulator.js";
import { openStorage } from "../../../src/storage/open-storage.js";
import type { Storage } from "../../../src/storage/storage.js";
import { WorkflowTemplate } from "../../../src/workflows/workflow-template.js";
import { silent } from "../../queue/support/harness.js";

/** A two-node graph the simulator runs step by step: FakeSampler → SaveImage. */
export function fakeTemplate(name = "fake"): WorkflowTemplate {
  return new WorkflowTemplate({
    name,
    file: `${name}.json`,
    graph: {
      "1": {
        class_type: "FakeSampler",
        inputs: { seed: 1, steps: 4, width: 64, height: 64, prompt: "a cat" },
      },
      "2": { class_type: "SaveImage", inputs: { images: ["1", 0], filename_prefix: "ComfyUI" } },
    },
    bindings: {
      prompt: { nodeId: "1", input: "prompt" },
      seed: { nodeId: "1", input: "seed" },
      steps: { nodeId: "1", input: "steps" },
      width: { nodeId: "1", input: "width" },
      height: { nodeId: "1", input: "height" },
    },
  });
}

export async function startSimulators(count: number, stepMs: number): Promise<ComfySimulator[]> {
  return Promise.all(
    Array.from({ length: count }, async () => startComfySimulator({ stepMs, logger: silent })),
  );
}

export interface ComfyStack {
  queue: JobQueue;
  pool: BackendPool;
  storage: Storage;
  events: QueueEvent[];
  /** Graceful: queue first (detaches), then sockets, then the file. */
  stop(graceMs?: number): Promise<void>;
}

/** The real thing end to end: backends on the simulators, the pool, the adapter, SQLite. */
export async function startStack(
  sims: ComfySimulator[],
  options: {
    dataDir?: string;
    clientIds?: string[];
    maxRequeues?: number;
    timeouts?: { startMs: number; nodeInactivityMs: number; overallMs: number };
    /** Workflows beside `fake` (e.g. one with an input picture). */
    templates?: WorkflowTemplate[];
  } = {},
): Promise<ComfyStack> {
  const backends = sims.map(
    (sim, index) =>
      new ComfyBackend({
        id: `gpu-${index + 1}`,
        url: sim.url,
        clientId: options.clientIds?.[index] ?? `queue-test-${randomUUID()}`,
        logger: silent,
        maxOutputBytes: 5 * 1024 * 1024,
        timeouts: options.timeouts ?? { startMs: 10_000, nodeInactivityMs: 10_000, overallMs: 30_000 },
        pingIntervalMs: 1_000,
        pongTimeoutMs: 1_000,
        resyncIntervalMs: 200,
        requestTimeoutMs: 2_000,
        reconnectBackoff: { initialMs: 20, maxMs: 100 },
      }),
  );
  const pool = new BackendPool({ backends, logger: silent, breakerFailures: 5, breakerCooldownMs: 200 });
  await pool.start();
  const storage = await openStorage(
    options.dataDir === undefined ? { logger: silent } : { dataDir: options.dataDir, logger: silent },
  );
  const templates = [fakeTemplate(), ...(options.templates ?? [])];
  const dispatcher = new ComfyDispatcher({
    pool,
    templates: new Map(templates.map((template) => [template.name, template])),
    logger: silent,
    inputs: storage.inputs,
  });
  const queue = new JobQueue({
    stores: storage,
    dispatcher,
    logger: silent,
    positionIntervalMs: 0,
    limits: { maxSize: 10_000, maxRequeues: options.maxRequeues ?? 1, shutdownGraceSeconds: 0 },
  });
  const events: QueueEvent[] = [];
  queue.subscribe((event) => {
    events.push(event);
  });
  await queue.start();
  return {
    queue,
    pool,
    storage,
    events,
    stop: async (graceMs = 0) => {
      await queue.close({ graceMs });
      await pool.stop();
      await storage.close();
    },
  };
}
