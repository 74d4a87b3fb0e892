import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generateCommand } from "../../src/commands/generate.js";
import { generateDefinition } from "../../src/commands/generate-definition.js";
import type { Presets } from "../../src/presets/presets.js";
import type { WorkflowTemplate } from "../../src/workflows/workflow-template.js";
import { shippedTemplate } from "../workflows/shipped-templates.js";
import { configDir, loadOk, tempWorkflow } from "../workflows/test-support.js";

/** What Discord got before the definition was derived from the parameter table (hand-written builder calls). */
const before = JSON.parse(
  readFileSync(new URL("../fixtures/commands/generate-definition-before.json", import.meta.url), "utf8"),
) as Record<"shipped" | "sd15Only" | "bareOnly", { options: { name: string }[] }>;

/** The example config's workflows, as shipped. */
async function shipped(): Promise<WorkflowTemplate[]> {
  return [
    await loadOk(
      {
        name: "sdxl",
        file: "workflows/sdxl.json",
        description: "SDXL text to image, 1024x1024",
        defaults: { steps: 30, cfg: 6.5, width: 1024, height: 1024, negative: "" },
      },
      configDir,
    ),
    await loadOk(
      {
        name: "sd15",
        file: "workflows/sd15.json",
        description: "Stable Diffusion 1.5 text to image, 512x512",
        defaults: { steps: 25, cfg: 7, width: 512, height: 512, negative: "" },
      },
      configDir,
    ),
  ];
}

/** A graph that binds no negative, no size and no batch (its latent is loaded from a file). */
async function bare(): Promise<WorkflowTemplate> {
  const graph = {
    "1": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "a.safetensors" } },
    "2": { class_type: "CLIPTextEncode", inputs: { text: "x", clip: ["1", 1] } },
    "3": {
      class_type: "KSampler",
      inputs: {
        model: ["1", 0],
        positive: ["2", 0],
        negative: ["2", 0],
        latent_image: ["4", 0],
        seed: 1,
        steps: 20,
        cfg: 7,
        sampler_name: "euler",
        scheduler: "normal",
        denoise: 1,
      },
    },
    "4": { class_type: "LoadLatent", inputs: { latent: "x.latent" } },
    "5": { class_type: "SaveImage", inputs: { images: ["3", 0], filename_prefix: "x" } },
  };
  return loadOk({ name: "bare", file: "workflow.json" }, await tempWorkflow(graph));
}

describe("the /generate definition derived from the parameter table", () => {
  it("is what Discord got before for the shipped workflows", async () => {
    expect(generateCommand.definition({ templates: await shipped() })).toEqual(before.shipped);
  });

  it("is what Discord got before for a single workflow: no workflow choice", async () => {
    const [, sd15] = await shipped();
    expect(generateCommand.definition({ templates: [sd15!] })).toEqual(before.sd15Only);
  });

  it("leaves out options no configured workflow takes, as it always did for aspect and count", async () => {
    const definition = generateCommand.definition({ templates: [await bare()] });
    const names = (definition.options ?? []).map((option) => option.name);
    // Before, negative, width and height were offered here and then refused for every request.
    expect(before.bareOnly.options.map((option) => option.name)).toEqual([
      "prompt",
      "negative",
      "seed",
      "steps",
      "cfg",
      "width",
      "height",
      "model",
    ]);
    expect(names).toEqual(["prompt", "seed", "steps", "cfg", "model"]);
    const kept = new Set(names);
    expect(definition.options).toEqual(before.bareOnly.options.filter((option) => kept.has(option.name)));
  });

  it("offers style only with styles configured, and lora only with LoRAs and a workflow that loads one", async () => {
    const templates = [...(await shipped()), await shippedTemplate("sd15-lora")];
    const names = (presets?: Presets) =>
      (generateCommand.definition({ templates, presets }).options ?? []).map((option) => option.name);
    const style = { name: "ink", prompt: "{prompt}, ink", negative: "" };
    const lora = { name: "detail", file: "add_detail.safetensors", strength: 1 };
    // The workflow's own LoRA can be made stronger or weaker without an allow-list.
    expect(names().slice(-2)).toEqual(["count", "lora_strength"]);
    expect(names({ styles: [style], loras: [] }).slice(-3)).toEqual(["count", "style", "lora_strength"]);
    expect(names({ styles: [style], loras: [lora] }).slice(-4)).toEqual([
      "count",
      "style",
      "lora",
      "lora_strength",
    ]);
    // No workflow with a LoRA loader: no lora and no strength, whatever the list holds.
    const plain = generateCommand.definition({
      templates: await shipped(),
      presets: { styles: [], loras: [lora] },
    });
    expect((plain.options ?? []).map((option) => option.name)).not.toContain("lora");
    expect((plain.options ?? []).map((option) => option.name)).not.toContain("lora_strength");

    const options = generateCommand.definition({
      templates,
      presets: { styles: [style], loras: [lora] },
    }).options;
    expect(options?.find((option) => option.name === "style")).toMatchObject({ type: 3, autocomplete: true });
    expect(options?.find((option) => option.name === "lora")).toMatchObject({ type: 3, autocomplete: true });
    expect(options?.find((option) => option.name === "lora_strength")).toMatchObject({
      type: 10,
      min_value: -2,
      max_value: 2,
    });
  });

  it("keeps only the first 25 workflows as choices, as Discord allows", async () => {
    const [sdxl] = await shipped();
    const many = Array.from({ length: 30 }, (_, index) => ({
      name: `w${index}`,
      description: undefined,
      takes: (name: Parameters<WorkflowTemplate["takes"]>[0]) => sdxl!.takes(name),
    }));
    const workflow = generateDefinition({ workflows: many }).options?.find(
      (option) => option.name === "workflow",
    );
    expect(workflow && "choices" in workflow ? workflow.choices : undefined).toHaveLength(25);
  });
});
