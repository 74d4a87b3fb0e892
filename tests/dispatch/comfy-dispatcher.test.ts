import { randomUUID } from "node:crypto";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { BackendPool } from "../../src/comfy/backend-pool.js";
import { ComfyBackend } from "../../src/comfy/comfy-backend.js";
import { ComfyDispatcher } from "../../src/dispatch/comfy-dispatcher.js";
import type { StagedJob } from "../../src/queue/job.js";
import type { JobParams } from "../../src/request/generation-request.js";
import { startComfySimulator, type ComfySimulator } from "../../src/simulator/comfy-simulator.js";
import type { ApiPrompt } from "../../src/workflows/api-prompt.js";
import { shippedTemplate } from "../workflows/shipped-templates.js";
import { configDir, loadOk } from "../workflows/test-support.js";

const silent = pino({ level: "silent" });

interface Rig {
  sim: ComfySimulator;
  dispatcher: ComfyDispatcher;
  close: () => Promise<void>;
}

/** The real dispatcher over one real backend on the simulator, without a queue. */
async function rig(loras: string[] = []): Promise<Rig> {
  const sim = await startComfySimulator({ stepMs: 1, logger: silent, loras });
  const backend = new ComfyBackend({
    id: "gpu-1",
    url: sim.url,
    clientId: `dispatcher-test-${randomUUID()}`,
    logger: silent,
    maxOutputBytes: 5 * 1024 * 1024,
    timeouts: { startMs: 10_000, nodeInactivityMs: 10_000, overallMs: 30_000 },
    pingIntervalMs: 1_000,
    pongTimeoutMs: 1_000,
  });
  const pool = new BackendPool({
    backends: [backend],
    logger: silent,
    breakerFailures: 5,
    breakerCooldownMs: 200,
  });
  await pool.start();
  const template = await loadOk({ name: "sd15", file: "workflows/sd15.json" }, configDir);
  const lora = await shippedTemplate("sd15-lora");
  const dispatcher = new ComfyDispatcher({
    pool,
    templates: new Map([
      ["sd15", template],
      ["sd15-lora", lora],
    ]),
    logger: silent,
  });
  return {
    sim,
    dispatcher,
    close: async () => {
      await pool.stop();
      await sim.close();
    },
  };
}

function stagedJob(params: JobParams, workflow = "sd15"): StagedJob {
  return {
    id: randomUUID(),
    seq: 1,
    userId: "u",
    guildId: "g",
    channelId: "c",
    messages: [],
    workflow,
    // The member asked for less than was built: dispatch must use the built values only.
    request: { prompt: params.prompt, aspect: "16:9" },
    params,
    priority: false,
    state: "staged",
    run: { backend: "gpu-1", promptId: randomUUID(), stagedAt: 0 },
    attempts: 1,
    requeues: 0,
    createdAt: 0,
    queuedAt: 0,
  };
}

/** The graph ComfyUI received for a prompt, from its own `/history`. */
async function submitted(sim: ComfySimulator, promptId: string): Promise<ApiPrompt> {
  const history = (await (await fetch(`${sim.url}/history/${promptId}`)).json()) as Record<
    string,
    { prompt: [number, string, ApiPrompt] }
  >;
  return history[promptId]!.prompt[2];
}

const stored: JobParams = {
  prompt: "a lighthouse at dusk",
  negative: "lowres, nsfw, blurry",
  seed: 4242424242,
  steps: 3,
  cfg: 5.5,
  width: 64,
  height: 128,
  model: "v1-5-pruned-emaonly.safetensors",
  count: 1,
  sampler: "euler",
  scheduler: "karras",
  denoise: 1,
};

describe("ComfyDispatcher", () => {
  let current: Rig | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });

  it("sends ComfyUI exactly the values stored with the job, not a new seed or the aspect's size", async () => {
    current = await rig();
    const { sim, dispatcher } = current;
    const job = stagedJob(stored);
    const outputs = await dispatcher.run(job, {
      signal: new AbortController().signal,
      onEvent: () => {},
    });
    expect(outputs.files).toHaveLength(1);
    const graph = await submitted(sim, job.run.promptId);
    expect(graph["6"]!.inputs.text).toBe(stored.prompt);
    expect(graph["7"]!.inputs.text).toBe(stored.negative);
    expect(graph["3"]!.inputs).toMatchObject({
      seed: stored.seed,
      steps: 3,
      cfg: 5.5,
      sampler_name: "euler",
      scheduler: "karras",
      denoise: 1,
    });
    expect(graph["5"]!.inputs).toMatchObject({ width: 64, height: 128, batch_size: 1 });
    expect(graph["4"]!.inputs.ckpt_name).toBe(stored.model);
  });

  it("refuses a job whose values the chosen host does not have, before anything reaches ComfyUI", async () => {
    current = await rig();
    const { sim, dispatcher } = current;
    const job = stagedJob({ ...stored, sampler: "warp_drive" });
    await expect(
      dispatcher.run(job, { signal: new AbortController().signal, onEvent: () => {} }),
    ).rejects.toMatchObject({
      code: "invalid_params",
      retryable: false,
      message: expect.stringContaining("warp_drive"),
    });
    expect(sim.stats.executions).toHaveLength(0);
  });

  it("routes a job only to hosts that have its checkpoint", async () => {
    current = await rig();
    const { dispatcher } = current;
    expect(dispatcher.pickBackend(stagedJob(stored))).toEqual({ kind: "backend", backendId: "gpu-1" });
    expect(dispatcher.pickBackend(stagedJob({ ...stored, model: "missing.safetensors" }))).toMatchObject({
      kind: "unsupported",
    });
  });

  it("routes a job only to hosts that have its LoRA file, and sends the strength to both inputs", async () => {
    current = await rig(["example-lora.safetensors", "add_detail.safetensors"]);
    const { sim, dispatcher } = current;
    const withLora = { ...stored, lora: "add_detail.safetensors", lora_strength: 0.6 };
    expect(dispatcher.pickBackend(stagedJob(withLora, "sd15-lora"))).toEqual({
      kind: "backend",
      backendId: "gpu-1",
    });
    expect(dispatcher.pickBackend(stagedJob({ ...withLora, lora: "gone.safetensors" }, "sd15-lora"))).toEqual(
      {
        kind: "unsupported",
        message:
          'no ComfyUI server can run "sd15-lora" with the model "v1-5-pruned-emaonly.safetensors" and the LoRA it was asked with',
      },
    );
    const job = stagedJob(withLora, "sd15-lora");
    await dispatcher.run(job, { signal: new AbortController().signal, onEvent: () => {} });
    expect((await submitted(sim, job.run.promptId))["10"]!.inputs).toMatchObject({
      lora_name: "add_detail.safetensors",
      strength_model: 0.6,
      strength_clip: 0.6,
    });
  });
});
