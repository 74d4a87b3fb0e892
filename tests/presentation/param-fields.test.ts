import { describe, expect, it } from "vitest";
import { viewParamsOf } from "../../src/presentation/apply-queue-event.js";
import { paramFields } from "../../src/presentation/param-fields.js";
import { paramRows } from "../../src/request/param-table.js";

describe("the finished job's parameter fields", () => {
  it("shows one field per row with a view label, in table order, inline", () => {
    const fields = paramFields({
      prompt: "a fox",
      negative: "lowres",
      seed: 123456789,
      steps: 30,
      cfg: 7,
      width: 1024,
      height: 768,
      model: "sdxl_base.safetensors",
      count: 2,
      sampler: "euler",
      scheduler: "karras",
      denoise: 1,
      workflow: "txt2img",
      style: "water_colour",
      lora: "detail",
      lora_strength: -0.5,
    });
    expect(fields).toEqual([
      { name: "Seed", value: "`123456789`", inline: true },
      { name: "Steps", value: "30", inline: true },
      { name: "CFG", value: "7", inline: true },
      { name: "Size", value: "1024×768", inline: true },
      { name: "Model", value: "sdxl\\_base.safetensors", inline: true },
      { name: "Workflow", value: "txt2img", inline: true },
      { name: "Images", value: "2", inline: true },
      { name: "Style", value: "water\\_colour", inline: true },
      { name: "LoRA", value: "detail", inline: true },
      { name: "LoRA strength", value: "-0.5", inline: true },
    ]);
    expect(fields.map((field) => field.name)).toEqual(
      paramRows.flatMap((row) => (row.view ? [row.view.label] : [])),
    );
  });

  it("leaves out what the job does not have, and a single image", () => {
    expect(paramFields({ seed: 1, count: 1, width: 512, workflow: "w" })).toEqual([
      { name: "Seed", value: "`1`", inline: true },
      { name: "Workflow", value: "w", inline: true },
    ]);
  });

  it("takes a job's values and workflow as they were built", () => {
    expect(
      viewParamsOf({
        workflow: "sd15",
        params: { prompt: "a fox", seed: 7, steps: 20, width: 512, height: 512 },
      }),
    ).toEqual({ prompt: "a fox", seed: 7, steps: 20, width: 512, height: 512, workflow: "sd15" });
  });

  it("shows the style and the LoRA by the names the member asked for, not the LoRA's file", () => {
    const params = viewParamsOf({
      workflow: "sd15-lora",
      request: { style: "ink", lora: "detail" },
      params: { prompt: "a fox, ink drawing", seed: 7, lora: "add_detail.safetensors", lora_strength: 0.6 },
    });
    expect(paramFields(params).map((field) => [field.name, field.value])).toEqual([
      ["Seed", "`7`"],
      ["Workflow", "sd15-lora"],
      ["Style", "ink"],
      ["LoRA", "detail"],
      ["LoRA strength", "0.6"],
    ]);
    // The workflow's own LoRA, which no member picked, shows as its file.
    const plain = viewParamsOf({ workflow: "w", params: { prompt: "x", lora: "example-lora.safetensors" } });
    expect(paramFields(plain).map((field) => field.value)).toContain("example-lora.safetensors");
  });
});
