import { z } from "zod";
import { jobShape, type JobShapeSource } from "./job.js";

export const etaSnapshotSchema = z.object({
  version: z.literal(1),
  /** key → [EWMA of duration ms, EWMA of ms per sampler step (0 = unknown), samples, last update]. */
  entries: z.record(z.string(), z.tuple([z.number(), z.number(), z.number(), z.number()])),
});
export type EtaSnapshot = z.infer<typeof etaSnapshotSchema>;

export interface EtaModelOptions {
  /** Weight of the newest sample. */
  alpha?: number;
  /** Expected duration when nothing similar has run yet. */
  defaultMs?: number;
  /** Keys kept; the least recently updated go first. */
  maxKeys?: number;
}

type Entry = [durationMs: number, msPerStep: number, samples: number, updatedAt: number];

/**
 * Learns how long jobs take: an exponentially weighted moving average per
 * (workflow, backend, size, steps), with coarser keys to fall back on: the same job on any
 * backend, then the workflow's time per step scaled by the job's steps.
 */
export class EtaModel {
  readonly #alpha: number;
  readonly #defaultMs: number;
  readonly #maxKeys: number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: EtaModelOptions = {}) {
    this.#alpha = options.alpha ?? 0.3;
    this.#defaultMs = options.defaultMs ?? 20_000;
    this.#maxKeys = options.maxKeys ?? 2000;
  }

  /** Expected run time of a job, on a given backend when known. */
  expectedMs(job: JobShapeSource, backendId?: string): number {
    const { workflow, size, steps } = jobShape(job);
    const exact =
      backendId === undefined ? undefined : this.#entries.get(key(workflow, backendId, size, steps));
    if (exact) return exact[0];
    const anyBackend = this.#entries.get(key(workflow, "*", size, steps));
    if (anyBackend) return anyBackend[0];
    const perWorkflow = this.#entries.get(key(workflow, "*", "*", undefined));
    if (perWorkflow) {
      return steps !== undefined && perWorkflow[1] > 0 ? perWorkflow[1] * steps : perWorkflow[0];
    }
    return this.#defaultMs;
  }

  /** Learned time per sampler step, for the remaining-time estimate while a job runs. */
  msPerStep(job: JobShapeSource, backendId?: string): number | undefined {
    const { workflow, size, steps } = jobShape(job);
    for (const candidate of [
      backendId === undefined ? undefined : key(workflow, backendId, size, steps),
      key(workflow, "*", size, steps),
      key(workflow, "*", "*", undefined),
    ]) {
      const entry = candidate === undefined ? undefined : this.#entries.get(candidate);
      if (entry && entry[1] > 0) return entry[1];
    }
    return undefined;
  }

  /** One finished run: `durationMs` from start to outputs, `msPerStep` measured from progress. */
  learn(
    job: JobShapeSource,
    backendId: string,
    sample: { durationMs: number; msPerStep?: number | undefined },
    at: number,
  ): void {
    const { workflow, size, steps } = jobShape(job);
    const perStep = sample.msPerStep ?? (steps ? sample.durationMs / steps : 0);
    this.#update(key(workflow, backendId, size, steps), sample.durationMs, perStep, at);
    this.#update(key(workflow, "*", size, steps), sample.durationMs, perStep, at);
    this.#update(key(workflow, "*", "*", undefined), sample.durationMs, perStep, at);
  }

  snapshot(): EtaSnapshot {
    return { version: 1, entries: Object.fromEntries(this.#entries) };
  }

  restore(snapshot: EtaSnapshot): void {
    const sorted = Object.entries(snapshot.entries).sort((a, b) => a[1][3] - b[1][3]);
    for (const [k, entry] of sorted) this.#entries.set(k, [...entry]);
  }

  #update(k: string, durationMs: number, perStep: number, at: number): void {
    const entry = this.#entries.get(k);
    this.#entries.delete(k);
    if (!entry) {
      this.#entries.set(k, [durationMs, perStep, 1, at]);
    } else {
      const a = this.#alpha;
      const step = perStep > 0 ? (entry[1] > 0 ? entry[1] + a * (perStep - entry[1]) : perStep) : entry[1];
      this.#entries.set(k, [entry[0] + a * (durationMs - entry[0]), step, entry[2] + 1, at]);
    }
    // Map order is update order: the first key is the stalest.
    while (this.#entries.size > this.#maxKeys) {
      const stalest = this.#entries.keys().next().value;
      if (stalest === undefined) break;
      this.#entries.delete(stalest);
    }
  }
}

function key(workflow: string, backendId: string, size: string, steps: number | undefined): string {
  return `${workflow}|${backendId}|${size}|${steps ?? "*"}`;
}
