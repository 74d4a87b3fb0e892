import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ComfyError } from "../../src/comfy/comfy-error.js";
import { ComfyHttp } from "../../src/comfy/comfy-http.js";
import type { ApiPrompt } from "../../src/comfy/comfy-job-events.js";
import { startComfySimulator, type SimulatorOptions } from "../../src/simulator/comfy-simulator.js";
import { eventually } from "../support/eventually.js";
import { fakeWorkflow, makeBackend, started } from "./backend-fixture.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const MiB = 1024 * 1024;

async function simulator(options: SimulatorOptions) {
  const sim = await startComfySimulator({ stepMs: 5, ...options });
  cleanups.push(() => sim.close());
  return sim;
}

async function backendFor(sim: { url: string }, options: Parameters<typeof makeBackend>[1]) {
  const backend = makeBackend(sim, options);
  cleanups.push(() => backend.stop());
  await started(backend);
  return backend;
}

async function rejection(promise: Promise<unknown>): Promise<ComfyError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ComfyError);
  return error as ComfyError;
}

/** A logger whose lines the test can read. */
function recordingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().trim().split("\n"))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: "debug" }, destination), lines };
}

/** The fake workflow saving its image through `saves` SaveImage nodes: one output each. */
function workflowSaving(saves: number): ApiPrompt {
  const prompt = fakeWorkflow({ steps: 1 });
  for (let index = 1; index < saves; index++) {
    prompt[`save-${index}`] = {
      class_type: "SaveImage",
      inputs: { images: ["1", 0], filename_prefix: `copy${index}` },
    };
  }
  return prompt;
}

describe("caps on what ComfyUI sends", () => {
  it("stops reading a JSON answer past maxJsonBytes instead of holding all of it", async () => {
    // 256 MiB of whitespace after the JSON, streamed without a Content-Length.
    const sim = await simulator({ jsonPadBytes: 256 * MiB });
    const http = new ComfyHttp({ url: sim.url, maxJsonBytes: MiB, requestTimeoutMs: 30_000 });
    cleanups.push(() => http.close());
    globalThis.gc?.();
    const rssBefore = process.memoryUsage().rss;

    const error = await rejection(http.getHistory(randomUUID()));

    expect(error.code).toBe("comfy_bad_response");
    expect(error.message).toMatch(
      /^GET \/history\/[0-9a-f-]+ sent more than 1048576 bytes of JSON \(comfy\.maxJsonBytes\)/,
    );
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * MiB);
  });

  it("refuses a JSON answer whose Content-Length is over maxJsonBytes without waiting for the body", async () => {
    // Announces 100 MiB, then sends nothing more: only the header can refuse it in time.
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": 100 * MiB });
      res.write("{");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const http = new ComfyHttp({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      maxJsonBytes: MiB,
      requestTimeoutMs: 5_000,
    });
    cleanups.push(() => http.close());

    const error = await rejection(http.getObjectInfo());

    expect(error.code).toBe("comfy_bad_response");
    expect(error.message).toBe(
      "GET /object_info announced 104857600 bytes of JSON, more than 1048576 (comfy.maxJsonBytes)",
    );
  });

  it("reads answers under the default cap as before", async () => {
    const sim = await simulator({ jsonPadBytes: MiB });
    const http = new ComfyHttp({ url: sim.url });
    cleanups.push(() => http.close());
    const stats = await http.getSystemStats();
    expect(stats.system.comfyui_version).toBe("0.3.64");
  });

  it("drops a socket frame larger than maxFrameBytes, says why, and still delivers the result over HTTP", async () => {
    const sim = await simulator({ previewMethod: "auto", previewPadBytes: 2 * MiB });
    const { logger, lines } = recordingLogger();
    const backend = await backendFor(sim, { logger, maxFrameBytes: MiB });

    const result = await backend.run({ promptId: randomUUID(), prompt: fakeWorkflow({ steps: 3 }) });

    expect(result.images).toHaveLength(1);
    expect(backend.health.previews).not.toBe(true);
    const warning = lines.find((line) => String(line["msg"]).includes("comfy.maxFrameBytes"));
    expect(warning).toMatchObject({ level: 40, maxFrameBytes: MiB });
  });

  it("keeps room for previews under the default frame cap", async () => {
    const sim = await simulator({ previewMethod: "auto", previewPadBytes: 2 * MiB });
    const backend = await backendFor(sim, {});
    const previews: number[] = [];
    await backend.run({
      promptId: randomUUID(),
      prompt: fakeWorkflow({ steps: 3 }),
      onEvent: (event) => {
        if (event.type === "preview") previews.push(event.bytes.length);
      },
    });
    expect(previews.length).toBeGreaterThan(0);
    expect(previews[0]).toBeGreaterThan(2 * MiB);
  });

  it("refuses a job with more outputs than maxOutputsPerJob before downloading any", async () => {
    const sim = await simulator({});
    const backend = await backendFor(sim, { maxOutputsPerJob: 2 });
    const error = await rejection(backend.run({ promptId: randomUUID(), prompt: workflowSaving(3) }));
    expect(error.code).toBe("comfy_output_too_large");
    expect(error.message).toBe("the prompt produced 3 images, more than 2 (comfy.maxOutputsPerJob)");
  });

  it("refuses a job whose outputs add up to more than maxOutputBytesPerJob", async () => {
    const sim = await simulator({ outputPadBytes: 300_000 });
    const backend = await backendFor(sim, { maxOutputBytes: 1_000_000, maxOutputBytesPerJob: 700_000 });
    const error = await rejection(backend.run({ promptId: randomUUID(), prompt: workflowSaving(3) }));
    expect(error.code).toBe("comfy_output_too_large");
    expect(error.message).toBe(
      "the prompt's images add up to more than 700000 bytes (comfy.maxOutputBytesPerJob)",
    );
    // The same job fits once the cap allows it.
    const roomy = await backendFor(sim, { maxOutputBytes: 1_000_000, maxOutputBytesPerJob: 1_000_000 });
    const result = await roomy.run({ promptId: randomUUID(), prompt: workflowSaving(3) });
    expect(result.images).toHaveLength(3);
    await eventually(() => roomy.inFlight === 0, "the backend to free its slot");
  });
});
