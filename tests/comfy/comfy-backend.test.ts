import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { ComfyBackend } from "../../src/comfy/comfy-backend.js";
import { ComfyError } from "../../src/comfy/comfy-error.js";
import { startComfySimulator, type ComfySimulator } from "../../src/simulator/comfy-simulator.js";
import { eventually } from "../support/eventually.js";
import { collectEvents, executionsOf, fakeWorkflow, makeBackend, started } from "./backend-fixture.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  simOptions: Parameters<typeof startComfySimulator>[0] = {},
  backendOptions: Parameters<typeof makeBackend>[1] = {},
): Promise<{ sim: ComfySimulator; backend: ComfyBackend }> {
  const sim = await startComfySimulator({ stepMs: 10, ...simOptions });
  cleanups.push(() => sim.close());
  const backend = makeBackend(sim, backendOptions);
  cleanups.push(() => backend.stop());
  await started(backend);
  return { sim, backend };
}

async function queuedOrRunning(backend: ComfyBackend): Promise<string[]> {
  const queue = await backend.http.getQueue();
  return [...queue.running, ...queue.pending].map((item) => item.promptId);
}

async function rejection(promise: Promise<unknown>): Promise<ComfyError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ComfyError);
  return error as ComfyError;
}

describe("ComfyBackend against the simulator", () => {
  it("runs a prompt, reports progress and metadata previews in order, and downloads the saved image", async () => {
    const { sim, backend } = await setup({ previewMethod: "auto" });
    const { events, onEvent } = collectEvents();
    const promptId = randomUUID();
    const result = await backend.run({ promptId, prompt: fakeWorkflow({ steps: 4 }), onEvent });

    const types = events.map((event) => event.type);
    expect(types.slice(0, 3)).toEqual(["submitted", "started", "cached"]);
    expect(events).toContainEqual({
      type: "node",
      nodeId: "1",
      classType: "FakeSampler",
      title: "Fake sampler",
    });
    const progress = events.filter((event) => event.type === "progress");
    expect(progress.map((event) => event.value)).toEqual([1, 2, 3, 4]);
    expect(progress.at(-1)).toMatchObject({ nodeId: "1", max: 4, overall: 1 });
    const previews = events.filter((event) => event.type === "preview");
    expect(previews.length).toBeGreaterThan(0);
    expect(previews[0]).toMatchObject({ mime: "image/jpeg", nodeId: "1" });
    expect(types.indexOf("outputs")).toBeGreaterThan(types.lastIndexOf("progress"));
    expect(backend.health.previews).toBe(true);

    expect(result.images).toHaveLength(1);
    const image = result.images[0]!;
    expect(image).toMatchObject({ nodeId: "2", type: "output", mime: "image/png" });
    expect(Buffer.compare(image.bytes, sim.viewBytes(image.filename, image.subfolder, image.type)!)).toBe(0);
    expect(result.cachedNodes).toEqual([]);
    expect(backend.inFlight).toBe(0);
  });

  it("reports progress but no previews when the server runs with --preview-method none", async () => {
    const { backend } = await setup({ previewMethod: "none" });
    const { events, onEvent } = collectEvents();
    await backend.run({ promptId: randomUUID(), prompt: fakeWorkflow({ steps: 3 }), onEvent });
    expect(events.filter((event) => event.type === "progress")).toHaveLength(3);
    expect(events.some((event) => event.type === "preview")).toBe(false);
  });

  it("returns the cached image on an unchanged rerun, with every node listed as cached and no progress", async () => {
    const { backend } = await setup();
    const first = await backend.run({ promptId: randomUUID(), prompt: fakeWorkflow({ seed: 42 }) });
    const { events, onEvent } = collectEvents();
    const second = await backend.run({ promptId: randomUUID(), prompt: fakeWorkflow({ seed: 42 }), onEvent });
    expect(second.cachedNodes.sort()).toEqual(["1", "2"]);
    expect(events.some((event) => event.type === "progress")).toBe(false);
    expect(second.images[0]?.filename).toBe(first.images[0]?.filename);
    expect(second.images[0]?.bytes.length).toBeGreaterThan(0);
  });

  it("rejects with comfy_execution naming the failing node when a node raises", async () => {
    const { backend } = await setup({ failNodes: ["SaveImage"] });
    const error = await rejection(backend.run({ promptId: randomUUID(), prompt: fakeWorkflow() }));
    expect(error.code).toBe("comfy_execution");
    expect(error.execution).toMatchObject({ nodeId: "2", nodeType: "SaveImage" });
    expect(error.execution?.exceptionMessage.length).toBeGreaterThan(0);
    expect(error.isOutOfMemory).toBe(false);
    expect(backend.inFlight).toBe(0);
  });

  it("rejects a 400 from /prompt with comfy_validation carrying ComfyUI's node errors", async () => {
    const { backend, sim } = await setup();
    const prompt = fakeWorkflow();
    prompt["1"]!.inputs.steps = 0;
    const promptId = randomUUID();
    const error = await rejection(backend.run({ promptId, prompt }));
    expect(error.code).toBe("comfy_validation");
    expect(error.status).toBe(400);
    expect(error.validation?.nodeErrors["1"]?.errors[0]?.type).toBe("value_smaller_than_min");
    expect(executionsOf(sim, promptId)).toEqual([]);
  });

  it("treats a 200 with node_errors as comfy_validation and stops the partial run on the server", async () => {
    const { backend, sim } = await setup();
    const prompt = fakeWorkflow({ steps: 20, stepMs: 50 });
    prompt["3"] = {
      class_type: "FakeSampler",
      inputs: { seed: 1, steps: 0, width: 64, height: 64, prompt: "x" },
    };
    prompt["4"] = { class_type: "SaveImage", inputs: { images: ["3", 0], filename_prefix: "bad" } };
    const promptId = randomUUID();
    const error = await rejection(backend.run({ promptId, prompt }));
    expect(error.code).toBe("comfy_validation");
    expect(error.status).toBe(200);
    expect(Object.keys(error.validation?.nodeErrors ?? {})).toContain("3");
    // Once ComfyUI no longer holds the prompt, its run (if it started) has ended and is recorded.
    await eventually(
      async () => !(await queuedOrRunning(backend)).includes(promptId),
      "the partial run gone",
    );
    expect(executionsOf(sim, promptId)).not.toContain("success");
  });

  it("interrupts a running prompt when its signal aborts, and rejects with comfy_cancelled", async () => {
    const { backend, sim } = await setup();
    const controller = new AbortController();
    const promptId = randomUUID();
    const running = backend.run({
      promptId,
      prompt: fakeWorkflow({ steps: 100, stepMs: 30 }),
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === "progress" && event.value === 2) controller.abort();
      },
    });
    const error = await rejection(running);
    expect(error.code).toBe("comfy_cancelled");
    expect(executionsOf(sim, promptId)).toEqual(["interrupted"]);
    expect(backend.inFlight).toBe(0);
  });

  it("deletes a staged prompt on cancel without touching the running one", async () => {
    const { backend, sim } = await setup();
    const first = randomUUID();
    const second = randomUUID();
    const running = backend.run({
      promptId: first,
      prompt: fakeWorkflow({ seed: 1, steps: 15, stepMs: 20 }),
    });
    const staged = backend.run({ promptId: second, prompt: fakeWorkflow({ seed: 2 }) });
    await eventually(() => backend.inFlight === 2, "both prompts in flight");
    await backend.cancel(second);
    await backend.cancel(second);
    expect((await rejection(staged)).code).toBe("comfy_cancelled");
    expect((await running).images).toHaveLength(1);
    expect(executionsOf(sim, second)).toEqual([]);
    expect(executionsOf(sim, first)).toEqual(["success"]);
  });

  it("reports a prompt lost when ComfyUI is killed mid-run and comes back empty", async () => {
    const { backend, sim } = await setup();
    const promptId = randomUUID();
    const running = backend.run({
      promptId,
      prompt: fakeWorkflow({ steps: 200, stepMs: 20 }),
      onEvent: (event) => {
        if (event.type === "progress" && event.value === 2) {
          // Real time on purpose: the backend has to ride out a real outage of its socket and HTTP.
          void sim.crash().then(() => setTimeout(() => void sim.restart(), 100));
        }
      },
    });
    const error = await rejection(running);
    expect(error.code).toBe("comfy_lost");
    expect(error.backendId).toBe("gpu-a");
    await eventually(() => backend.health.online, "backend online again");
  });

  it("still completes a prompt when the bot's socket reconnects in the middle of it", async () => {
    const { backend } = await setup();
    const reconnects: string[] = [];
    backend.on("reconnect", ({ clientId }) => reconnects.push(clientId));
    const result = await backend.run({
      promptId: randomUUID(),
      prompt: fakeWorkflow({ steps: 30, stepMs: 15 }),
      onEvent: (event) => {
        if (event.type === "progress" && event.value === 3) backend.reconnectSocket("test");
      },
    });
    expect(result.images).toHaveLength(1);
    expect(reconnects).toHaveLength(1);
  });

  it("finds the result over HTTP when the socket stays open but goes deaf", async () => {
    const { backend, sim } = await setup();
    sim.setDeaf(true);
    const result = await backend.run({ promptId: randomUUID(), prompt: fakeWorkflow({ steps: 3 }) });
    sim.setDeaf(false);
    expect(result.images).toHaveLength(1);
  });

  it("refuses an output larger than the cap with comfy_output_too_large", async () => {
    const { backend } = await setup({ outputPadBytes: 300_000 }, { maxOutputBytes: 100_000 });
    const error = await rejection(backend.run({ promptId: randomUUID(), prompt: fakeWorkflow() }));
    expect(error.code).toBe("comfy_output_too_large");
  });

  it("cancels on the server and rejects with comfy_timeout when a node goes quiet too long", async () => {
    const timeouts = { startMs: 5_000, nodeInactivityMs: 300, overallMs: 10_000 };
    const { backend, sim } = await setup({}, { timeouts });
    const promptId = randomUUID();
    const error = await rejection(
      backend.run({ promptId, prompt: fakeWorkflow({ steps: 2, stepMs: 2_000 }) }),
    );
    expect(error.code).toBe("comfy_timeout");
    expect(error.timeout).toBe("node_inactivity");
    await eventually(() => executionsOf(sim, promptId).length > 0, "the prompt's run to end");
    expect(executionsOf(sim, promptId)).toEqual(["interrupted"]);
  });

  it("reattaches after a bot restart: a running prompt is followed to its outputs, an unknown one is lost", async () => {
    const { backend, sim } = await setup();
    const promptId = randomUUID();
    const first = backend.run({ promptId, prompt: fakeWorkflow({ steps: 15, stepMs: 20 }) });
    await eventually(
      () => sim.stats.executions.length > 0 || backend.inFlight === 1,
      "the first run in flight",
    );
    // The "restarted bot": a new client for the same host, knowing only the persisted prompt id.
    const restarted = makeBackend(sim, { id: "gpu-a" });
    cleanups.push(() => restarted.stop());
    await started(restarted);
    const attached = await restarted.attach({ promptId });
    expect(attached.images).toHaveLength(1);
    expect((await first).images[0]?.filename).toBe(attached.images[0]?.filename);
    const lost = await rejection(restarted.attach({ promptId: randomUUID() }));
    expect(lost.code).toBe("comfy_lost");
  });

  it("resumes the previous process's client id after a restart, so an attached prompt streams its progress", async () => {
    const { backend, sim } = await setup();
    const lastClientId = backend.clientId;
    const promptId = randomUUID();
    const first = backend.run({ promptId, prompt: fakeWorkflow({ steps: 30, stepMs: 20 }) });
    await eventually(
      () => sim.stats.executions.length > 0 || backend.inFlight === 1,
      "the first run in flight",
    );
    // The old process goes away (its socket closes), the new one resumes the last id it saved.
    const abandoned = first.catch(() => undefined);
    await backend.stop();
    await abandoned;
    const restarted = makeBackend(sim, { id: "gpu-a", resumeClientId: lastClientId });
    expect(restarted.clientId).not.toBe(lastClientId);
    cleanups.push(() => restarted.stop());
    await started(restarted);
    expect(restarted.clientId).toBe(lastClientId);
    const steps: number[] = [];
    const attached = await restarted.attach({
      promptId,
      onEvent: (event) => {
        if (event.type === "progress") steps.push(event.value);
      },
    });
    expect(attached.images).toHaveLength(1);
    // Live progress frames reached the new process, not only the final HTTP lookup.
    expect(steps.length).toBeGreaterThan(0);
  });

  it("fails with a start timeout and removes the prompt when ComfyUI is busy with someone else's work", async () => {
    const timeouts = { startMs: 300, nodeInactivityMs: 5_000, overallMs: 10_000 };
    const { backend, sim } = await setup({}, { timeouts });
    const foreign = randomUUID();
    await fetch(`${sim.url}/prompt`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: fakeWorkflow({ seed: 99, steps: 40, stepMs: 25 }), prompt_id: foreign }),
    });
    const promptId = randomUUID();
    const error = await rejection(backend.run({ promptId, prompt: fakeWorkflow({ seed: 5 }) }));
    expect(error.code).toBe("comfy_timeout");
    expect(error.timeout).toBe("start");
    expect(await queuedOrRunning(backend)).not.toContain(promptId);
    await backend.http.cancelPrompt(foreign);
  });

  it("rejects with comfy_interrupted when someone else interrupts our running prompt", async () => {
    const { backend, sim } = await setup();
    const promptId = randomUUID();
    const running = backend.run({
      promptId,
      prompt: fakeWorkflow({ steps: 100, stepMs: 20 }),
      onEvent: (event) => {
        if (event.type === "progress" && event.value === 2)
          void fetch(`${sim.url}/interrupt`, { method: "POST" });
      },
    });
    const error = await rejection(running);
    expect(error.code).toBe("comfy_interrupted");
    expect(executionsOf(sim, promptId)).toEqual(["interrupted"]);
  });

  it("cancels a prompt whose signal aborts while POST /prompt is still in flight", async () => {
    const { backend, sim } = await setup();
    const controller = new AbortController();
    const promptId = randomUUID();
    const running = backend.run({
      promptId,
      prompt: fakeWorkflow({ steps: 50, stepMs: 20 }),
      signal: controller.signal,
    });
    controller.abort();
    expect((await rejection(running)).code).toBe("comfy_cancelled");
    expect(executionsOf(sim, promptId)).not.toContain("success");
    expect(await queuedOrRunning(backend)).not.toContain(promptId);
  });
});
