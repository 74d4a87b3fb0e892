import { describe, expect, it } from "vitest";
import { EtaModel, etaSnapshotSchema } from "../../src/queue/eta-model.js";

const job = (steps: number, width = 512) => ({ workflow: "txt2img", params: { width, height: 512, steps } });

describe("EtaModel", () => {
  it("answers the default until it has seen a similar job, then moves towards what it measures", () => {
    const model = new EtaModel({ alpha: 0.5, defaultMs: 10_000 });
    expect(model.expectedMs(job(20))).toBe(10_000);
    model.learn(job(20), "gpu-1", { durationMs: 4000 }, 1);
    expect(model.expectedMs(job(20), "gpu-1")).toBe(4000);
    model.learn(job(20), "gpu-1", { durationMs: 6000 }, 2);
    expect(model.expectedMs(job(20), "gpu-1")).toBe(5000);
  });

  it("keeps backends apart and falls back to the workflow's time per step for new sizes", () => {
    const model = new EtaModel({ alpha: 1 });
    model.learn(job(20), "fast", { durationMs: 2000, msPerStep: 100 }, 1);
    model.learn(job(20), "slow", { durationMs: 8000, msPerStep: 400 }, 2);
    expect(model.expectedMs(job(20), "fast")).toBe(2000);
    expect(model.expectedMs(job(20), "slow")).toBe(8000);
    // Unknown size and steps: the workflow's latest time per step × 10 steps.
    expect(model.expectedMs(job(10, 1024))).toBe(4000);
    expect(model.msPerStep(job(20), "fast")).toBe(100);
  });

  it("survives a snapshot round trip and forgets the stalest keys past its cap", () => {
    const model = new EtaModel({ maxKeys: 3 });
    model.learn(job(20), "a", { durationMs: 1000 }, 1);
    model.learn(job(30), "b", { durationMs: 3000 }, 2);
    const snapshot = etaSnapshotSchema.parse(JSON.parse(JSON.stringify(model.snapshot())));
    expect(Object.keys(snapshot.entries)).toHaveLength(3);
    const restored = new EtaModel();
    restored.restore(snapshot);
    expect(restored.expectedMs(job(30), "b")).toBe(3000);
  });
});
