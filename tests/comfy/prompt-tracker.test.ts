import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { ApiPrompt } from "../../src/comfy/api-prompt.js";
import { ComfyError } from "../../src/comfy/comfy-error.js";
import { ComfyHttp } from "../../src/comfy/comfy-http.js";
import type { ComfyJobEvent } from "../../src/comfy/comfy-job-events.js";
import { parseBinaryFrame, parseTextFrame } from "../../src/comfy/frames.js";
import { PromptTracker } from "../../src/comfy/prompt-tracker.js";
import { startComfySimulator } from "../../src/simulator/comfy-simulator.js";
import { silentLogger } from "./backend-fixture.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A tracker fed by a plain socket that never sends feature_flags, as an old ComfyUI (< 0.3.45) behaves:
 * previews arrive as type 1 and name no prompt.
 */
async function legacyTracker() {
  const sim = await startComfySimulator({ stepMs: 10, previewMethod: "auto" });
  cleanups.push(() => sim.close());
  const clientId = `legacy-${randomUUID()}`;
  const socket = new WebSocket(`${sim.url.replace("http", "ws")}/ws?clientId=${clientId}`);
  await new Promise((resolve) => socket.once("open", resolve));
  cleanups.push(() => socket.terminate());
  const http = new ComfyHttp({ url: sim.url });
  cleanups.push(() => http.close());
  const tracker = new PromptTracker({
    backendId: "legacy",
    http,
    socket: { clientId, connected: true, reconnectNow: () => undefined },
    logger: silentLogger,
    maxOutputBytes: 1e7,
    maxOutputsPerJob: 10,
    maxOutputBytesPerJob: 1e8,
    timeouts: { startMs: 5_000, nodeInactivityMs: 5_000, overallMs: 10_000 },
    resyncIntervalMs: 1_000,
    downloadTimeoutMs: 5_000,
    cancelConfirmMs: 1_000,
    now: Date.now,
  });
  tracker.start();
  cleanups.push(() => tracker.stop(new ComfyError("comfy_unreachable", "test over")));
  socket.on("message", (data, isBinary) => {
    const buffer = data as Buffer;
    if (isBinary) {
      const preview = parseBinaryFrame(buffer);
      if (preview) tracker.onPreview(preview);
    } else {
      const frame = parseTextFrame(buffer.toString("utf8"));
      if (frame) tracker.onFrame(frame);
    }
  });
  return tracker;
}

function twoSamplers(): ApiPrompt {
  const sampler = (seed: number) => ({
    class_type: "FakeSampler",
    inputs: { seed, steps: 4, width: 64, height: 64, prompt: "two" },
  });
  return {
    "1": sampler(11),
    "2": { class_type: "SaveImage", inputs: { images: ["1", 0], filename_prefix: "one" } },
    "3": sampler(12),
    "4": { class_type: "SaveImage", inputs: { images: ["3", 0], filename_prefix: "two" } },
  };
}

describe("PromptTracker", () => {
  it("attributes legacy previews without a prompt id to our prompt that is running", async () => {
    const tracker = await legacyTracker();
    const events: ComfyJobEvent[] = [];
    const result = await tracker.run({
      promptId: randomUUID(),
      prompt: twoSamplers(),
      onEvent: (event) => events.push(event),
    });
    const previews = events.filter((event) => event.type === "preview");
    expect(previews.length).toBeGreaterThan(0);
    for (const preview of previews) {
      expect(preview).toMatchObject({ type: "preview", mime: "image/jpeg" });
      expect(preview).not.toHaveProperty("nodeId");
    }
    expect(result.images.map((image) => image.nodeId).sort()).toEqual(["2", "4"]);
  });

  it("reports overall progress across two samplers: half way after the first, complete after the second", async () => {
    const tracker = await legacyTracker();
    const overall: Array<{ nodeId: string; overall: number }> = [];
    await tracker.run({
      promptId: randomUUID(),
      prompt: twoSamplers(),
      onEvent: (event) => {
        if (event.type === "progress") overall.push({ nodeId: event.nodeId, overall: event.overall });
      },
    });
    expect(overall).toHaveLength(8);
    const values = overall.map((entry) => entry.overall);
    expect([...values].sort((a, b) => a - b)).toEqual(values);
    expect(values[3]).toBeCloseTo(0.5);
    expect(values.at(-1)).toBe(1);
    expect(new Set(overall.map((entry) => entry.nodeId)).size).toBe(2);
  });
});
