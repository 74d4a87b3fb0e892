import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { ApiPrompt } from "../../src/comfy/api-prompt.js";
import { classTypesOf } from "../../src/comfy/api-prompt.js";
import { BackendPool } from "../../src/comfy/backend-pool.js";
import { CircuitBreaker } from "../../src/comfy/circuit-breaker.js";
import type { ComfyBackend } from "../../src/comfy/comfy-backend.js";
import { startComfySimulator, type ComfySimulator } from "../../src/simulator/comfy-simulator.js";
import { eventually } from "../support/eventually.js";
import { fakeWorkflow, makeBackend, silentLogger, started } from "./backend-fixture.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function simWithBackend(
  id: string,
  simOptions: Parameters<typeof startComfySimulator>[0] = {},
): Promise<{ sim: ComfySimulator; backend: ComfyBackend }> {
  const sim = await startComfySimulator({ stepMs: 5, previewMethod: "none", ...simOptions });
  cleanups.push(() => sim.close());
  const backend = makeBackend(sim, { id });
  cleanups.push(() => backend.stop());
  await started(backend);
  await eventually(() => backend.objectInfo() !== undefined, `${id}'s /object_info`);
  return { sim, backend };
}

function pool(
  backends: ComfyBackend[],
  options: { breakerFailures?: number; breakerCooldownMs?: number } = {},
) {
  return new BackendPool({
    backends,
    logger: silentLogger,
    breakerFailures: options.breakerFailures ?? 3,
    breakerCooldownMs: options.breakerCooldownMs ?? 30_000,
  });
}

function checkpointWorkflow(ckpt: string, seed: number): ApiPrompt {
  return {
    "1": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: ckpt } },
    "2": { class_type: "CLIPTextEncode", inputs: { text: "a cat", clip: ["1", 1] } },
    "3": { class_type: "CLIPTextEncode", inputs: { text: "", clip: ["1", 1] } },
    "4": { class_type: "EmptyLatentImage", inputs: { width: 64, height: 64, batch_size: 1 } },
    "5": {
      class_type: "KSampler",
      inputs: {
        seed,
        steps: 2,
        cfg: 7,
        sampler_name: "euler",
        scheduler: "normal",
        denoise: 1,
        model: ["1", 0],
        positive: ["2", 0],
        negative: ["3", 0],
        latent_image: ["4", 0],
      },
    },
    "6": { class_type: "VAEDecode", inputs: { samples: ["5", 0], vae: ["1", 2] } },
    "7": { class_type: "SaveImage", inputs: { images: ["6", 0], filename_prefix: "pool" } },
  };
}

const fake = { classTypes: ["FakeSampler", "SaveImage"] };

describe("BackendPool", () => {
  it("sends jobs to the backend that is up when the other one is down", async () => {
    const a = await simWithBackend("a");
    const b = await simWithBackend("b");
    const backends = pool([a.backend, b.backend]);
    await a.sim.crash();
    await eventually(() => !a.backend.health.online, "a offline");
    for (let i = 0; i < 3; i += 1) {
      const chosen = backends.choose(fake);
      expect(chosen?.id).toBe("b");
      const promptId = randomUUID();
      await chosen!.run({ promptId, prompt: fakeWorkflow({ seed: i }) });
      expect(b.sim.stats.executions.map((record) => record.promptId)).toContain(promptId);
    }
    expect(a.sim.stats.executions).toHaveLength(0);
  });

  it("gives no backend to a third job while two are in flight, and announces the freed slot", async () => {
    const { backend } = await simWithBackend("solo");
    const backends = pool([backend]);
    const first = backend.run({
      promptId: randomUUID(),
      prompt: fakeWorkflow({ seed: 1, steps: 10, stepMs: 20 }),
    });
    expect(backends.choose(fake)?.id).toBe("solo");
    const second = backend.run({
      promptId: randomUUID(),
      prompt: fakeWorkflow({ seed: 2, steps: 10, stepMs: 20 }),
    });
    expect(backend.inFlight).toBe(2);
    expect(backends.choose(fake)).toBeUndefined();
    expect(backends.canEverRun(fake)).toBe(true);
    const freed = new Promise<string>((resolve) =>
      backends.once("slotFree", ({ backendId }) => resolve(backendId)),
    );
    await first;
    expect(await freed).toBe("solo");
    expect(backends.choose(fake)?.id).toBe("solo");
    await second;
  });

  it("routes by node classes and checkpoint, and prefers the backend that last ran the checkpoint", async () => {
    const a = await simWithBackend("a", { checkpoints: ["base.safetensors", "anime.safetensors"] });
    const b = await simWithBackend("b", { checkpoints: ["base.safetensors"] });
    const backends = pool([a.backend, b.backend]);
    expect(backends.choose({ ...fake, model: "anime.safetensors" })?.id).toBe("a");
    expect(backends.choose({ ...fake, model: "anime.safetensors", exclude: ["a"] })).toBeUndefined();
    expect(backends.canEverRun({ classTypes: ["NoSuchNode"] })).toBe(false);
    expect(backends.canEverRun({ ...fake, model: "missing.ckpt" })).toBe(false);

    const prompt = checkpointWorkflow("base.safetensors", 1);
    await b.backend.run({ promptId: randomUUID(), prompt });
    expect(b.backend.lastCheckpoint).toBe("base.safetensors");
    const picks = new Set<string>();
    for (let i = 0; i < 4; i += 1) {
      picks.add(backends.choose({ classTypes: classTypesOf(prompt), model: "base.safetensors" })!.id);
    }
    expect([...picks]).toEqual(["b"]);
    // Without a model preference, equal load alternates.
    const spread = new Set([backends.choose(fake)!.id, backends.choose(fake)!.id]);
    expect(spread.size).toBe(2);
  });

  it("routes a job with a LoRA only to a host whose loader lists the file", async () => {
    const a = await simWithBackend("a", { loras: ["ink.safetensors"] });
    const b = await simWithBackend("b", { loras: ["detail.safetensors"] });
    const backends = pool([a.backend, b.backend]);
    const lora = (value: string) => ({
      ...fake,
      listed: [{ classType: "LoraLoader", input: "lora_name", value }],
    });
    for (let i = 0; i < 3; i += 1) expect(backends.choose(lora("detail.safetensors"))?.id).toBe("b");
    expect(backends.choose({ ...lora("detail.safetensors"), exclude: ["b"] })).toBeUndefined();
    expect(backends.canEverRun(lora("ink.safetensors"))).toBe(true);
    expect(backends.canEverRun(lora("gone.safetensors"))).toBe(false);
  });

  it("skips a backend whose breaker opened after a lost prompt until the cooldown ends", async () => {
    const a = await simWithBackend("a");
    const b = await simWithBackend("b");
    const backends = pool([a.backend, b.backend], { breakerFailures: 1, breakerCooldownMs: 600 });
    const lost = a.backend.run({
      promptId: randomUUID(),
      prompt: fakeWorkflow({ steps: 100, stepMs: 20 }),
      onEvent: (event) => {
        if (event.type === "progress" && event.value === 1) void a.sim.crash().then(() => a.sim.restart());
      },
    });
    await expect(lost).rejects.toMatchObject({ code: "comfy_lost" });
    await eventually(() => a.backend.health.online, "a back online");
    expect(backends.breakerOpen("a")).toBe(true);
    expect(backends.choose({ ...fake, exclude: ["b"] })).toBeUndefined();
    await new Promise<void>((resolve) =>
      backends.on("slotFree", ({ backendId }) => {
        if (backendId === "a" && !backends.breakerOpen("a")) resolve();
      }),
    );
    expect(backends.choose({ ...fake, exclude: ["b"] })?.id).toBe("a");
  });
});

describe("BackendPool and picture uploads", () => {
  it("opens a host's breaker on uploads it fails, as on prompts it loses, but not on a file it refuses as too large", async () => {
    const picture = new Uint8Array(4096);
    const strict = await simWithBackend("strict", { maxUploadBytes: 1024 });
    const down = await simWithBackend("down");
    const backends = pool([strict.backend, down.backend], { breakerFailures: 2 });

    for (let attempt = 0; attempt < 2; attempt++) {
      await expect(strict.backend.uploadImage(picture, "big.png")).rejects.toMatchObject({
        code: "comfy_validation",
      });
    }
    expect(backends.breakerOpen("strict")).toBe(false);

    await down.sim.crash();
    for (let attempt = 0; attempt < 2; attempt++) {
      await expect(down.backend.uploadImage(picture, "lost.png")).rejects.toMatchObject({
        code: "comfy_unreachable",
      });
    }
    expect(backends.breakerOpen("down")).toBe(true);
  });
});

describe("CircuitBreaker", () => {
  it("opens after the configured failures in a row, closes after the cooldown, and resets on success", () => {
    let now = 1_000;
    const breaker = new CircuitBreaker(2, 500, () => now);
    expect(breaker.recordFailure()).toBe(false);
    breaker.recordSuccess();
    expect(breaker.recordFailure()).toBe(false);
    expect(breaker.recordFailure()).toBe(true);
    expect(breaker.isOpen).toBe(true);
    now += 499;
    expect(breaker.isOpen).toBe(true);
    now += 1;
    expect(breaker.isOpen).toBe(false);
    // Half open: one more failure re-opens at once.
    expect(breaker.recordFailure()).toBe(true);
  });
});
