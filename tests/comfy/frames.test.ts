import { readFileSync, readdirSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { parseBinaryFrame, parseTextFrame } from "../../src/comfy/frames.js";
import { startComfySimulator } from "../../src/simulator/comfy-simulator.js";
import { tracesDir } from "../support/traces-dir.js";

const traces = `${tracesDir}/`;
const knownTypes = new Set([
  "status",
  "execution_start",
  "execution_cached",
  "executing",
  "progress",
  "progress_state",
  "executed",
  "execution_success",
  "execution_error",
  "execution_interrupted",
  "feature_flags",
]);

interface TimelineEntry {
  kind?: string;
  message?: { type: string; data: Record<string, unknown> };
}

function recordedTextFrames(): Array<{
  file: string;
  message: { type: string; data: Record<string, unknown> };
}> {
  const frames = [];
  for (const file of readdirSync(traces).filter((name) => name.endsWith(".json") && !name.includes("raw"))) {
    const trace = JSON.parse(readFileSync(traces + file, "utf8")) as { timeline: TimelineEntry[] };
    for (const entry of trace.timeline) {
      if (entry.kind === "text" && entry.message) frames.push({ file, message: entry.message });
    }
  }
  return frames;
}

describe("text frames", () => {
  it("parses every recorded frame of a known type and keeps its prompt id", () => {
    const frames = recordedTextFrames();
    expect(frames.length).toBeGreaterThan(100);
    for (const { file, message } of frames) {
      const parsed = parseTextFrame(JSON.stringify(message));
      if (!knownTypes.has(message.type)) {
        expect(parsed, `${file} ${message.type}`).toBeUndefined();
        continue;
      }
      expect(parsed, `${file} ${JSON.stringify(message).slice(0, 200)}`).toBeDefined();
      expect(parsed!.type).toBe(message.type);
      const promptId = message.data.prompt_id;
      if (typeof promptId === "string") expect(parsed).toHaveProperty("promptId", promptId);
    }
  });

  it("reads the execution error's node, type and message as recorded", () => {
    const error = recordedTextFrames().find(({ message }) => message.type === "execution_error")!.message;
    const parsed = parseTextFrame(JSON.stringify(error));
    expect(parsed).toMatchObject({
      type: "execution_error",
      nodeId: error.data.node_id,
      nodeType: error.data.node_type,
      exceptionType: error.data.exception_type,
      exceptionMessage: error.data.exception_message,
    });
  });

  it("keeps the reconnect frame's executing without a prompt id", () => {
    expect(parseTextFrame('{"type":"executing","data":{"node":"1"}}')).toEqual({
      type: "executing",
      node: "1",
    });
    expect(parseTextFrame('{"type":"executing","data":{"node":null,"prompt_id":"p"}}')).toEqual({
      type: "executing",
      node: null,
      promptId: "p",
    });
  });

  it("ignores unknown types, malformed JSON and frames missing their fields instead of throwing", () => {
    expect(parseTextFrame('{"type":"crystools.monitor","data":{"cpu":3}}')).toBeUndefined();
    expect(parseTextFrame("not json")).toBeUndefined();
    expect(parseTextFrame('{"type":"progress","data":{"value":"x"}}')).toBeUndefined();
    expect(parseTextFrame("[1,2]")).toBeUndefined();
    expect(parseTextFrame('{"type":"execution_start","data":null}')).toBeUndefined();
  });
});

describe("binary frames", () => {
  it("reads a recorded legacy preview (event 1) as JPEG with the image bytes after the 8-byte header", () => {
    const frame = readFileSync(traces + "a_success.preview_event1.frame.bin");
    const image = readFileSync(traces + "a_success.preview_event1.jpg");
    const parsed = parseBinaryFrame(frame);
    expect(parsed?.mime).toBe("image/jpeg");
    expect(parsed?.promptId).toBeUndefined();
    expect(Buffer.compare(parsed!.bytes, image)).toBe(0);
  });

  it("reads a recorded metadata preview (event 4) with its prompt id, node id and image type", () => {
    const frame = readFileSync(traces + "a2_success_feature_flags.preview_event4.frame.bin");
    const image = readFileSync(traces + "a2_success_feature_flags.preview_event4.jpg");
    const parsed = parseBinaryFrame(frame);
    expect(parsed).toMatchObject({
      mime: "image/jpeg",
      promptId: "eeb16ef5-b146-4ed4-8191-ea8374b5764c",
      nodeId: "1",
    });
    expect(Buffer.compare(parsed!.bytes, image)).toBe(0);
  });

  it("labels a PNG legacy preview as PNG (the format word is at offset 4, not 0 or 1)", () => {
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 1, 0, 0, 0, 2]), Buffer.from("png-bytes")]);
    expect(parseBinaryFrame(frame)).toEqual({ mime: "image/png", bytes: Buffer.from("png-bytes") });
  });

  it("ignores text events, unknown formats and truncated frames", () => {
    expect(parseBinaryFrame(Buffer.from([0, 0, 0, 3, 0, 0, 0, 1, 0x31, 0x68]))).toBeUndefined();
    expect(parseBinaryFrame(Buffer.from([0, 0, 0, 1, 0, 0, 0, 9, 1]))).toBeUndefined();
    expect(parseBinaryFrame(Buffer.from([0, 0, 0, 4, 0, 0, 1, 0, 0x7b]))).toBeUndefined();
    expect(parseBinaryFrame(Buffer.from([0, 0, 0]))).toBeUndefined();
  });

  it("gets legacy type-1 previews from the simulator on a socket that never declared feature flags", async () => {
    const sim = await startComfySimulator({ stepMs: 5, previewMethod: "auto" });
    try {
      const clientId = randomUUID();
      const socket = new WebSocket(`${sim.url.replace("http", "ws")}/ws?clientId=${clientId}`);
      const binaries: Buffer[] = [];
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      socket.on("message", (data, isBinary) => {
        if (isBinary) binaries.push(data as Buffer);
        else if (/"node": ?null/.test((data as Buffer).toString("utf8"))) done();
      });
      await new Promise((resolve) => socket.once("open", resolve));
      const prompt = {
        "1": {
          class_type: "FakeSampler",
          inputs: { seed: 7, steps: 3, width: 64, height: 64, prompt: "a cat" },
        },
        "2": { class_type: "SaveImage", inputs: { images: ["1", 0], filename_prefix: "raw" } },
      };
      const response = await fetch(`${sim.url}/prompt`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prompt, client_id: clientId }),
      });
      expect(response.status).toBe(200);
      await finished;
      socket.close();
      expect(binaries.length).toBeGreaterThan(0);
      for (const binary of binaries) {
        expect(binary.readUInt32BE(0)).toBe(1);
        const parsed = parseBinaryFrame(binary);
        expect(parsed?.mime).toBe("image/jpeg");
        expect(parsed?.bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
      }
    } finally {
      await sim.close();
    }
  });
});
