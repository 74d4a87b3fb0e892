import { describe, expect, it } from "vitest";
import type { ApiPrompt } from "../../src/workflows/api-prompt.js";
import { formatBinding } from "../../src/workflows/binding.js";
import { detectBindings } from "../../src/workflows/detect-bindings.js";

function detected(prompt: ApiPrompt): Record<string, string> {
  const { bindings } = detectBindings(prompt);
  return Object.fromEntries(
    Object.entries(bindings).map(([param, binding]) => [param, formatBinding(binding)]),
  );
}

const loaderAndText: ApiPrompt = {
  "1": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "sd_xl_base_1.0.safetensors" } },
  "2": {
    class_type: "LoraLoader",
    inputs: {
      model: ["1", 0],
      clip: ["1", 1],
      lora_name: "detail.safetensors",
      strength_model: 1,
      strength_clip: 1,
    },
  },
  "3": { class_type: "CLIPTextEncode", inputs: { text: "pos", clip: ["2", 1] } },
  "4": { class_type: "CLIPTextEncode", inputs: { text: "neg", clip: ["2", 1] } },
  "5": { class_type: "EmptySD3LatentImage", inputs: { width: 1024, height: 1024, batch_size: 1 } },
};

describe("detectBindings", () => {
  it("follows SamplerCustomAdvanced through its noise, guider, sampler and sigmas nodes", () => {
    const prompt: ApiPrompt = {
      ...loaderAndText,
      "10": { class_type: "RandomNoise", inputs: { noise_seed: 7 } },
      "11": {
        class_type: "CFGGuider",
        inputs: { model: ["2", 0], positive: ["3", 0], negative: ["4", 0], cfg: 4.5 },
      },
      "12": { class_type: "KSamplerSelect", inputs: { sampler_name: "euler" } },
      "13": {
        class_type: "BasicScheduler",
        inputs: { model: ["2", 0], scheduler: "simple", steps: 20, denoise: 1 },
      },
      "14": {
        class_type: "SamplerCustomAdvanced",
        inputs: {
          noise: ["10", 0],
          guider: ["11", 0],
          sampler: ["12", 0],
          sigmas: ["13", 0],
          latent_image: ["5", 0],
        },
      },
    };
    expect(detected(prompt)).toEqual({
      prompt: "3.inputs.text",
      negative: "4.inputs.text",
      seed: "10.inputs.noise_seed",
      steps: "13.inputs.steps",
      cfg: "11.inputs.cfg",
      sampler: "12.inputs.sampler_name",
      scheduler: "13.inputs.scheduler",
      denoise: "13.inputs.denoise",
      width: "5.inputs.width",
      height: "5.inputs.height",
      batch: "5.inputs.batch_size",
      model: "1.inputs.ckpt_name",
      lora: "2.inputs.lora_name",
      lora_strength: "2.inputs.strength_model",
      lora_clip_strength: "2.inputs.strength_clip",
    });
  });

  it("binds noise_seed on KSamplerAdvanced and walks the positive chain through conditioning nodes", () => {
    const prompt: ApiPrompt = {
      ...loaderAndText,
      "6": { class_type: "CLIPTextEncode", inputs: { text: "style", clip: ["2", 1] } },
      "7": {
        class_type: "ConditioningCombine",
        inputs: { conditioning_1: ["3", 0], conditioning_2: ["6", 0] },
      },
      "8": {
        class_type: "KSamplerAdvanced",
        inputs: {
          model: ["2", 0],
          add_noise: "enable",
          noise_seed: 1,
          steps: 30,
          cfg: 6,
          sampler_name: "euler",
          scheduler: "karras",
          positive: ["7", 0],
          negative: ["4", 0],
          latent_image: ["5", 0],
          start_at_step: 0,
          end_at_step: 10000,
          return_with_leftover_noise: "disable",
        },
      },
    };
    const found = detected(prompt);
    expect(found.prompt).toBe("3.inputs.text");
    expect(found.negative).toBe("4.inputs.text");
    expect(found.seed).toBe("8.inputs.noise_seed");
    expect(found.denoise).toBeUndefined();
  });

  it("prefers the first-stage sampler of a hires-fix graph", () => {
    const sampler = (latent: [string, number], seed: number) => ({
      class_type: "KSampler",
      inputs: {
        model: ["2", 0],
        seed,
        steps: 20,
        cfg: 7,
        sampler_name: "euler",
        scheduler: "normal",
        denoise: 1,
        positive: ["3", 0],
        negative: ["4", 0],
        latent_image: latent,
      },
    });
    const prompt: ApiPrompt = {
      ...loaderAndText,
      // The second stage has the lower id, so order alone would pick it.
      "6": sampler(["8", 0], 2),
      "7": sampler(["5", 0], 1),
      "8": {
        class_type: "LatentUpscale",
        inputs: {
          samples: ["7", 0],
          upscale_method: "nearest-exact",
          width: 2048,
          height: 2048,
          crop: "disabled",
        },
      },
    };
    const result = detectBindings(prompt);
    expect(result.samplerIds).toEqual(["7", "6"]);
    expect(result.bindings.seed).toEqual({ nodeId: "7", input: "seed" });
    expect(result.bindings.width).toEqual({ nodeId: "5", input: "width" });
  });

  it("follows a seed that comes from another node's value", () => {
    const prompt: ApiPrompt = {
      ...loaderAndText,
      "9": { class_type: "PrimitiveInt", inputs: { value: 5 } },
      "10": {
        class_type: "KSampler",
        inputs: {
          model: ["2", 0],
          seed: ["9", 0],
          steps: 20,
          cfg: 7,
          sampler_name: "euler",
          scheduler: "normal",
          denoise: 1,
          positive: ["3", 0],
          negative: ["4", 0],
          latent_image: ["5", 0],
        },
      },
    };
    expect(detected(prompt).seed).toBe("9.inputs.value");
  });

  it("finds nothing in a graph without a sampler", () => {
    expect(
      detectBindings({ "1": { class_type: "CLIPTextEncode", inputs: { text: "x", clip: ["2", 1] } } }),
    ).toEqual({
      bindings: {},
      samplerIds: [],
    });
  });

  describe("input image and LoRA", () => {
    /** SD 1.5 image to image: LoadImage → VAEEncode → KSampler, with an optional LoRA loader. */
    const img2img = (extra: ApiPrompt = {}): ApiPrompt => ({
      "1": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "v1-5-pruned-emaonly.safetensors" } },
      "3": { class_type: "CLIPTextEncode", inputs: { text: "pos", clip: ["1", 1] } },
      "4": { class_type: "CLIPTextEncode", inputs: { text: "neg", clip: ["1", 1] } },
      "10": { class_type: "LoadImage", inputs: { image: "example.png" } },
      "11": { class_type: "VAEEncode", inputs: { pixels: ["10", 0], vae: ["1", 2] } },
      "12": {
        class_type: "KSampler",
        inputs: {
          model: ["1", 0],
          seed: 1,
          steps: 20,
          cfg: 7,
          sampler_name: "euler",
          scheduler: "normal",
          denoise: 0.55,
          positive: ["3", 0],
          negative: ["4", 0],
          latent_image: ["11", 0],
        },
      },
      ...extra,
    });

    it("binds the image to the graph's only LoadImage and leaves the size to the picture", () => {
      const found = detected(img2img());
      expect(found).toMatchObject({
        image: "10.inputs.image",
        denoise: "12.inputs.denoise",
        prompt: "3.inputs.text",
      });
      expect(found).not.toHaveProperty("width");
      expect(found).not.toHaveProperty("lora");
    });

    it("binds the LoRA to the graph's only LoRA loader, LoraLoaderModelOnly included", () => {
      const lora = (classType: string): ApiPrompt =>
        img2img({
          "20": {
            class_type: classType,
            inputs: { model: ["1", 0], lora_name: "style.safetensors", strength_model: 1 },
          },
        });
      expect(detected(lora("LoraLoader")).lora).toBe("20.inputs.lora_name");
      expect(detected(lora("LoraLoaderModelOnly")).lora).toBe("20.inputs.lora_name");
    });

    it("binds the one LoRA strength to both strengths of a LoraLoader, and to the model's alone without CLIP", () => {
      const found = detected(
        img2img({
          "20": {
            class_type: "LoraLoader",
            inputs: {
              model: ["1", 0],
              clip: ["1", 1],
              lora_name: "style.safetensors",
              strength_model: 0.8,
              strength_clip: 0.6,
            },
          },
        }),
      );
      expect(found).toMatchObject({
        lora_strength: "20.inputs.strength_model",
        lora_clip_strength: "20.inputs.strength_clip",
      });
      const modelOnly = detected(
        img2img({
          "20": {
            class_type: "LoraLoaderModelOnly",
            inputs: { model: ["1", 0], lora_name: "style.safetensors", strength_model: 1 },
          },
        }),
      );
      expect(modelOnly.lora_strength).toBe("20.inputs.strength_model");
      expect(modelOnly).not.toHaveProperty("lora_clip_strength");
    });

    it("binds neither when the graph has two LoadImage nodes or two LoRA loaders, so the operator chooses", () => {
      const found = detected(
        img2img({
          "13": { class_type: "LoadImage", inputs: { image: "hint.png" } },
          "20": {
            class_type: "LoraLoader",
            inputs: { model: ["1", 0], clip: ["1", 1], lora_name: "a.safetensors" },
          },
          "21": {
            class_type: "LoraLoaderModelOnly",
            inputs: { model: ["20", 0], lora_name: "b.safetensors" },
          },
        }),
      );
      expect(found).not.toHaveProperty("image");
      expect(found).not.toHaveProperty("lora");
      expect(found).not.toHaveProperty("lora_strength");
    });

    it("finds the input image of an upscale graph, which has no sampler, and not one fed by a link", () => {
      const upscale: ApiPrompt = {
        "1": { class_type: "LoadImage", inputs: { image: "example.png" } },
        "2": { class_type: "UpscaleModelLoader", inputs: { model_name: "4x.pth" } },
        "3": { class_type: "ImageUpscaleWithModel", inputs: { upscale_model: ["2", 0], image: ["1", 0] } },
        "4": { class_type: "SaveImage", inputs: { images: ["3", 0], filename_prefix: "up" } },
      };
      expect(detectBindings(upscale)).toEqual({
        bindings: { image: { nodeId: "1", input: "image" } },
        samplerIds: [],
      });
      const linked = { ...upscale, "1": { class_type: "LoadImage", inputs: { image: ["5", 0] } } };
      expect(detectBindings(linked).bindings).toEqual({});
    });
  });
});
