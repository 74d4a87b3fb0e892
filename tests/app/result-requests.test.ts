import { describe, expect, it } from "vitest";
import { refusalToActOn, remixRequest, upscaleRequest, varyRequest } from "../../src/app/result-requests.js";
import { WorkflowTemplate } from "../../src/workflows/workflow-template.js";

const parent = {
  userId: "111",
  workflow: "sdxl",
  request: {
    prompt: "a red fox",
    negative: "blurry",
    seed: 42,
    steps: 30,
    cfg: 6.5,
    width: 1024,
    height: 1024,
    model: "sd_xl_base_1.0.safetensors",
    workflow: "sdxl",
  },
};

const img2img = new WorkflowTemplate({
  name: "img2img",
  file: "img2img.json",
  graph: {
    "1": { class_type: "LoadImage", inputs: { image: "example.png" } },
    "2": { class_type: "KSampler", inputs: { seed: 0, steps: 20, denoise: 0.5 } },
    "3": { class_type: "CLIPTextEncode", inputs: { text: "" } },
  },
  bindings: {
    image: { nodeId: "1", input: "image" },
    seed: { nodeId: "2", input: "seed" },
    steps: { nodeId: "2", input: "steps" },
    denoise: { nodeId: "2", input: "denoise" },
    prompt: { nodeId: "3", input: "text" },
  },
});

describe("what the result buttons ask for", () => {
  it("Vary keeps the prompt and what the image-to-image workflow takes, with a new seed and the denoise", () => {
    expect(varyRequest(parent, "111/ref", img2img, 0.55)).toEqual({
      prompt: "a red fox",
      steps: 30,
      image: "111/ref",
      denoise: 0.55,
      workflow: "img2img",
    });
  });

  it("Upscale carries the prompt as the description and the picture", () => {
    expect(upscaleRequest(parent, "111/ref", "upscale")).toEqual({
      prompt: "a red fox",
      image: "111/ref",
      workflow: "upscale",
    });
  });

  it("Remix takes the edited text, a typed seed or a new one, the parent's steps unless changed", () => {
    expect(remixRequest(parent, { prompt: "a blue fox", negative: "", seed: "", steps: "" })).toEqual({
      prompt: "a blue fox",
      cfg: 6.5,
      width: 1024,
      height: 1024,
      model: "sd_xl_base_1.0.safetensors",
      steps: 30,
      workflow: "sdxl",
    });
    expect(remixRequest(parent, { prompt: "x", negative: "ugly", seed: "7", steps: "12" })).toMatchObject({
      negative: "ugly",
      seed: 7,
      steps: 12,
    });
    // Not a number: left as typed, for the request check to answer in its own words.
    expect(remixRequest(parent, { prompt: "x", seed: "lucky" }).seed).toBe("lucky");
  });

  it("lets only the owner act where rerollBy is owner", () => {
    expect(refusalToActOn(parent, "222", { rerollBy: "anyone" }, "vary")).toBeUndefined();
    expect(refusalToActOn(parent, "111", { rerollBy: "owner" }, "vary")).toBeUndefined();
    expect(refusalToActOn(parent, "222", { rerollBy: "owner" }, "upscale")).toBe(
      "Only the person who made this image can upscale it in this channel.",
    );
  });
});
