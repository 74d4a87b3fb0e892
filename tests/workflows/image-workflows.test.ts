import { afterEach, describe, expect, it } from "vitest";
import { ComfyHttp } from "../../src/comfy/comfy-http.js";
import type { ObjectInfo } from "../../src/comfy/object-info.js";
import { workflowConfigSchema } from "../../src/config/schema.js";
import { startComfySimulator, type SimulatorOptions } from "../../src/simulator/comfy-simulator.js";
import { buildJobParams } from "../../src/workflows/build-job-params.js";
import { checkJobParams } from "../../src/workflows/check-job-params.js";
import { formatBinding } from "../../src/workflows/binding.js";
import { validateAgainstBackend } from "../../src/workflows/validate-against-backend.js";
import { WorkflowError } from "../../src/workflows/workflow-error.js";
import type { WorkflowTemplate } from "../../src/workflows/workflow-template.js";
import { shippedTemplate } from "./shipped-templates.js";

const installed: SimulatorOptions = {
  loras: ["example-lora.safetensors"],
  upscaleModels: ["RealESRGAN_x4plus.pth"],
};
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A simulator's `/object_info` as the bot reads it, through the real client. */
async function hostInfo(options: SimulatorOptions = {}): Promise<ObjectInfo> {
  const sim = await startComfySimulator(options);
  const http = new ComfyHttp({ url: sim.url });
  try {
    return await http.getObjectInfo();
  } finally {
    await http.close();
    await sim.close();
  }
}

function bound(template: WorkflowTemplate): Record<string, string> {
  return Object.fromEntries(
    Object.entries(template.bindings).map(([param, binding]) => [param, formatBinding(binding)]),
  );
}

describe("the shipped image workflows", () => {
  it("image to image binds the input image and denoise, takes its size from the picture and defaults to denoise 0.55", async () => {
    for (const name of ["sd15-img2img", "sdxl-img2img"] as const) {
      const template = await shippedTemplate(name);
      expect(bound(template)).toMatchObject({
        prompt: "6.inputs.text",
        negative: "7.inputs.text",
        seed: "3.inputs.seed",
        denoise: "3.inputs.denoise",
        model: "4.inputs.ckpt_name",
        image: "10.inputs.image",
      });
      for (const param of ["width", "height", "batch", "lora"] as const)
        expect(template.offers(param)).toBe(false);
      expect(template.native).toBeUndefined();
      expect(template.defaults.denoise).toBe(0.55);
      // The graph's example.png is a placeholder, not a value a job would run with.
      expect(template.defaults).not.toHaveProperty("image");
      expect(template.classTypes).toEqual([
        "CLIPTextEncode",
        "CheckpointLoaderSimple",
        "KSampler",
        "LoadImage",
        "SaveImage",
        "VAEDecode",
        "VAEEncode",
      ]);
    }
  });

  it("the LoRA workflow binds lora to its LoraLoader, and the upscale workflows find their input image", async () => {
    const lora = await shippedTemplate("sd15-lora");
    expect(bound(lora)).toMatchObject({
      lora: "10.inputs.lora_name",
      lora_strength: "10.inputs.strength_model",
      lora_clip_strength: "10.inputs.strength_clip",
      width: "5.inputs.width",
    });
    expect(lora.defaults.lora).toBe("example-lora.safetensors");
    for (const name of ["upscale", "upscale-no-model"] as const) {
      expect(bound(await shippedTemplate(name))).toEqual({ image: "1.inputs.image" });
    }
    expect((await shippedTemplate("upscale")).classTypes).toEqual([
      "ImageUpscaleWithModel",
      "LoadImage",
      "SaveImage",
      "UpscaleModelLoader",
    ]);
  });

  it("pass validation against the simulator's /object_info when the host has the LoRA and the upscale model", async () => {
    const info = await hostInfo(installed);
    for (const name of [
      "sd15-img2img",
      "sdxl-img2img",
      "sd15-lora",
      "upscale",
      "upscale-no-model",
    ] as const) {
      expect(validateAgainstBackend(await shippedTemplate(name), info, "gpu-a"), name).toEqual([]);
    }
  });

  it("name what a host lacks: the LoRA file, the upscale model, or the upscale-model nodes themselves", async () => {
    const bare = await hostInfo();
    const messages = async (name: Parameters<typeof shippedTemplate>[0], info: ObjectInfo) =>
      validateAgainstBackend(await shippedTemplate(name), info, "gpu-b").map(
        (p) => `${p.code}: ${p.message}`,
      );
    expect(await messages("sd15-lora", bare)).toEqual([
      `model_missing: Workflow "sd15-lora": LoRA "example-lora.safetensors" in node 10 (LoraLoader) is not installed on host gpu-b; put the file in that ComfyUI's models/loras folder or set defaults.lora to one of: (none).`,
    ]);
    expect(await messages("upscale", bare)).toEqual([
      `model_missing: Workflow "upscale": upscale model "RealESRGAN_x4plus.pth" in node 2 (UpscaleModelLoader) is not installed on host gpu-b; put the file in that ComfyUI's models/upscale_models folder or give this host the model-free upscale workflow (ImageScaleBy); it has: (none).`,
    ]);
    expect(await messages("upscale-no-model", bare)).toEqual([]);

    const noSpandrel = await hostInfo({ withoutNodes: ["UpscaleModelLoader", "ImageUpscaleWithModel"] });
    const missing = await messages("upscale", noSpandrel);
    expect(missing).toHaveLength(2);
    expect(missing[0]).toBe(
      `class_missing: Workflow "upscale": node 2 uses "UpscaleModelLoader", which host gpu-b does not offer: its ComfyUI could not load the upscale-model nodes (they need the spandrel package: install ComfyUI's requirements there and restart it), or give this host the model-free upscale workflow (ImageScaleBy).`,
    );
  });

  it("never hold the input image against the host's file list, at validation or when a job's values are checked", async () => {
    const info = await hostInfo(installed);
    const loadImage = info["LoadImage"]!;
    const noFiles: ObjectInfo = {
      ...info,
      LoadImage: { ...loadImage, input: { required: { image: [[], { image_upload: true }] } } },
    };
    const template = await shippedTemplate("sd15-img2img");
    expect(validateAgainstBackend(template, noFiles, "gpu-a")).toEqual([]);
    const params = buildJobParams(template, { prompt: "a cat", image: "stored/attachment-1" });
    expect(params).toMatchObject({ prompt: "a cat", image: "stored/attachment-1", denoise: 0.55 });
    expect(() => checkJobParams(template, params, { objectInfo: noFiles })).not.toThrow();
    // Left out, the image stays out: dispatch must not run on the graph's placeholder by accident.
    expect(buildJobParams(template, { prompt: "a cat" })).not.toHaveProperty("image");
  });

  it("check a LoRA against the host's list like a checkpoint", async () => {
    const template = await shippedTemplate("sd15-lora");
    const info = await hostInfo(installed);
    const params = buildJobParams(template, { prompt: "a cat", lora: "gone.safetensors" });
    const error = (() => {
      try {
        checkJobParams(template, params, { objectInfo: info });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(WorkflowError);
    expect((error as WorkflowError).message).toBe(
      'LoRA "gone.safetensors" is not available on this server; choose one of: example-lora.safetensors.',
    );
  });

  it("write one LoRA strength to both of the loader's strengths, and leave the graph's when none is asked", async () => {
    const template = await shippedTemplate("sd15-lora");
    const asked = buildJobParams(template, { prompt: "a cat", lora_strength: -0.35 });
    expect(asked.lora_strength).toBe(-0.35);
    const loader = template.fill(asked)["10"]!.inputs;
    expect(loader).toMatchObject({ strength_model: -0.35, strength_clip: -0.35 });

    const plain = buildJobParams(template, { prompt: "a cat" });
    expect(plain).not.toHaveProperty("lora_strength");
    expect(template.fill(plain)["10"]!.inputs).toMatchObject({ strength_model: 0.8, strength_clip: 0.8 });
  });

  it("check a LoRA strength against the spec of every input it is written to", async () => {
    const template = await shippedTemplate("sd15-lora");
    const info = await hostInfo(installed);
    const loader = info["LoraLoader"]!;
    // A host whose CLIP strength stops at 1 (the model's goes to 100 as in stock ComfyUI).
    const narrowClip: ObjectInfo = {
      ...info,
      LoraLoader: {
        ...loader,
        input: {
          required: { ...loader.input.required, strength_clip: ["FLOAT", { min: -1, max: 1, step: 0.01 }] },
        },
      },
    };
    const params = buildJobParams(template, { prompt: "a cat", lora_strength: 1.5 });
    expect(() => checkJobParams(template, params, { objectInfo: info })).not.toThrow();
    expect(() => checkJobParams(template, params, { objectInfo: narrowClip })).toThrow(
      "LoRA strength 1.5 is above this workflow's maximum of 1.",
    );
  });

  it("accept lora and denoise as workflows[].defaults but not image", () => {
    const parse = (defaults: Record<string, unknown>) =>
      workflowConfigSchema.safeParse({ name: "w", file: "w.json", defaults }).success;
    expect(parse({ lora: "style.safetensors", denoise: 0.4 })).toBe(true);
    expect(parse({ image: "example.png" })).toBe(false);
  });
});
