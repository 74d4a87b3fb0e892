import { randomUUID } from "node:crypto";
import sharp from "sharp";
import { afterEach, describe, expect, it } from "vitest";
import type { ComfyBackend } from "../../src/comfy/comfy-backend.js";
import type { JobParams } from "../../src/request/generation-request.js";
import { startComfySimulator, type ComfySimulator } from "../../src/simulator/comfy-simulator.js";
import { buildJobParams } from "../../src/workflows/build-job-params.js";
import { checkJobParams } from "../../src/workflows/check-job-params.js";
import { validateAgainstBackend } from "../../src/workflows/validate-against-backend.js";
import { collectEvents, makeBackend, started } from "../comfy/backend-fixture.js";
import { shippedTemplate, type ShippedImageWorkflow } from "./shipped-templates.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function host(): Promise<{ sim: ComfySimulator; backend: ComfyBackend }> {
  const sim = await startComfySimulator({
    stepMs: 1,
    previewMethod: "none",
    loras: ["detail.safetensors", "example-lora.safetensors"],
    upscaleModels: ["RealESRGAN_x4plus.pth"],
    maxRenderSide: 1024,
  });
  cleanups.push(() => sim.close());
  const backend = makeBackend(sim);
  cleanups.push(() => backend.stop());
  await started(backend);
  return { sim, backend };
}

/** A member's attachment: a JPEG whose sides are not multiples of 8. */
async function attachment(red: number): Promise<Buffer> {
  return sharp({ create: { width: 203, height: 121, channels: 3, background: { r: red, g: 120, b: 60 } } })
    .jpeg()
    .toBuffer();
}

async function size(png: Buffer): Promise<{ width: number; height: number }> {
  const { width, height } = await sharp(png).metadata();
  return { width: width ?? 0, height: height ?? 0 };
}

async function pixels(png: Buffer): Promise<Buffer> {
  return sharp(png).raw().toBuffer();
}

/**
 * One job as dispatch will run it: values built and checked for the workflow, the picture uploaded
 * to the host that runs it, the uploaded name written through the `image` binding, then the real
 * client runs the graph and downloads the result.
 */
async function runJob(
  backend: ComfyBackend,
  name: ShippedImageWorkflow,
  request: { prompt: string } & Partial<JobParams>,
  picture?: Buffer,
): Promise<{ png: Buffer; progress: number }> {
  const template = await shippedTemplate(name);
  const info = backend.objectInfo()!;
  expect(validateAgainstBackend(template, info, backend.id)).toEqual([]);
  // An upscale graph takes no prompt, and the typed request (and its built values) always have
  // one, which building and checking refuse: that is for the actions wiring to settle, so here
  // the upscale graph gets only its image.
  const takesPrompt = template.takes("prompt");
  const values: JobParams = takesPrompt ? buildJobParams(template, request) : { prompt: "" };
  if (takesPrompt) checkJobParams(template, values, { objectInfo: info });
  if (picture !== undefined) {
    const uploaded = await backend.uploadImage(picture, `job-${randomUUID()}.png`, {
      subfolder: "comfycord",
    });
    values.image = uploaded.loadImageValue;
  }
  const { events, onEvent } = collectEvents();
  const result = await backend.run({ promptId: randomUUID(), prompt: template.fill(values), onEvent });
  expect(result.images).toHaveLength(1);
  return {
    png: result.images[0]!.bytes,
    progress: events.filter((event) => event.type === "progress").length,
  };
}

describe("the shipped image workflows run through the client against the simulator", () => {
  it("image to image uploads the attachment byte for byte and returns a picture of its size that depends on it", async () => {
    const { sim, backend } = await host();
    const first = await attachment(10);
    const uploaded = await backend.uploadImage(first, "attachment.jpg", { subfolder: "comfycord" });
    expect(sim.viewBytes(uploaded.name, "comfycord", "input")?.equals(first)).toBe(true);

    for (const name of ["sd15-img2img", "sdxl-img2img"] as const) {
      const fromFirst = await runJob(backend, name, { prompt: "a cat", seed: 5, steps: 3 }, first);
      // VAEEncode crops to multiples of 8.
      expect(await size(fromFirst.png)).toEqual({ width: 200, height: 120 });
      expect(fromFirst.progress).toBe(3);
      const fromOther = await runJob(
        backend,
        name,
        { prompt: "a cat", seed: 5, steps: 3 },
        await attachment(240),
      );
      expect((await pixels(fromOther.png)).equals(await pixels(fromFirst.png))).toBe(false);
    }
  });

  it("upscale takes exactly the parent's image and returns it at 4x with the model, 2x without", async () => {
    const { sim, backend } = await host();
    const parent = (
      await runJob(backend, "sd15-img2img", { prompt: "a cat", steps: 2 }, await attachment(90))
    ).png;
    expect(await size(parent)).toEqual({ width: 200, height: 120 });

    const uploaded = await backend.uploadImage(parent, "parent.png", { subfolder: "comfycord" });
    expect(sim.viewBytes(uploaded.name, "comfycord", "input")?.equals(parent)).toBe(true);
    const model = await runJob(backend, "upscale", { prompt: "" }, parent);
    expect(await size(model.png)).toEqual({ width: 800, height: 480 });
    // One tile (under 480 px a side): one progress step from ImageUpscaleWithModel.
    expect(model.progress).toBe(1);
    const lanczos = await runJob(backend, "upscale-no-model", { prompt: "" }, parent);
    expect(await size(lanczos.png)).toEqual({ width: 400, height: 240 });
  });

  it("a LoRA changes the picture, and the same LoRA gives the same picture again", async () => {
    const { backend } = await host();
    const job = { prompt: "a lighthouse", seed: 11, steps: 2, width: 64, height: 64 };
    const detail = await runJob(backend, "sd15-lora", { ...job, lora: "detail.safetensors" });
    const example = await runJob(backend, "sd15-lora", job);
    expect((await pixels(detail.png)).equals(await pixels(example.png))).toBe(false);
    const again = await runJob(backend, "sd15-lora", { ...job, lora: "detail.safetensors" });
    expect((await pixels(again.png)).equals(await pixels(detail.png))).toBe(true);
  });
});
