import { randomUUID } from "node:crypto";
import { pino } from "pino";
import { ComfyBackend, type ComfyBackendOptions } from "../../src/comfy/comfy-backend.js";
import type { ApiPrompt, ComfyJobEvent } from "../../src/comfy/comfy-job-events.js";
import type { ComfySimulator } from "../../src/simulator/comfy-simulator.js";
import { eventually } from "../support/eventually.js";

export const silentLogger = pino({ level: "silent" });

/** Small timeouts so failure paths show up in milliseconds, not minutes. */
export function makeBackend(
  sim: { url: string },
  overrides: Partial<ComfyBackendOptions> = {},
): ComfyBackend {
  return new ComfyBackend({
    id: overrides.id ?? "gpu-a",
    url: sim.url,
    clientId: `test-${randomUUID()}`,
    logger: silentLogger,
    maxOutputBytes: 5 * 1024 * 1024,
    timeouts: { startMs: 5_000, nodeInactivityMs: 5_000, overallMs: 15_000 },
    pingIntervalMs: 1_000,
    pongTimeoutMs: 1_000,
    resyncIntervalMs: 300,
    requestTimeoutMs: 2_000,
    reconnectBackoff: { initialMs: 20, maxMs: 200 },
    ...overrides,
  });
}

export function fakeWorkflow(options: { seed?: number; steps?: number; stepMs?: number } = {}): ApiPrompt {
  return {
    "1": {
      class_type: "FakeSampler",
      inputs: {
        seed: options.seed ?? 1,
        steps: options.steps ?? 5,
        width: 64,
        height: 64,
        prompt: "a cat",
        ...(options.stepMs !== undefined ? { step_ms: options.stepMs } : {}),
      },
      _meta: { title: "Fake sampler" },
    },
    "2": { class_type: "SaveImage", inputs: { images: ["1", 0], filename_prefix: "ComfyUI" } },
  };
}

export function collectEvents(): { events: ComfyJobEvent[]; onEvent: (event: ComfyJobEvent) => void } {
  const events: ComfyJobEvent[] = [];
  return { events, onEvent: (event) => events.push(event) };
}

export async function started(backend: ComfyBackend): Promise<void> {
  await backend.start();
  await eventually(() => backend.health.online, `backend ${backend.id} online`);
}

export function executionsOf(sim: ComfySimulator, promptId: string): string[] {
  return sim.stats.executions
    .filter((record) => record.promptId === promptId)
    .map((record) => record.outcome);
}
