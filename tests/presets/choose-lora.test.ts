import { describe, expect, it } from "vitest";
import { chooseLora } from "../../src/presets/choose-lora.js";
import type { Presets } from "../../src/presets/presets.js";
import type { WorkflowTemplate } from "../../src/workflows/workflow-template.js";
import { shippedTemplate } from "../workflows/shipped-templates.js";
import { configDir, loadOk } from "../workflows/test-support.js";

const presets: Presets = {
  styles: [],
  loras: [
    { name: "detail", file: "add_detail.safetensors", strength: 0.6 },
    { name: "ink", file: "styles/ink.safetensors", strength: 1 },
  ],
};
const sd15 = (): Promise<WorkflowTemplate> =>
  loadOk({ name: "sd15", file: "workflows/sd15.json" }, configDir);

describe("chooseLora", () => {
  it("turns the LoRA's name into its file, with the operator's strength unless one was asked", async () => {
    const lora = await shippedTemplate("sd15-lora");
    expect(chooseLora({ prompt: "x", lora: "detail" }, lora, presets, ["sd15-lora"])).toEqual({
      ok: true,
      request: { prompt: "x", lora: "add_detail.safetensors", lora_strength: 0.6 },
    });
    expect(chooseLora({ prompt: "x", lora: "ink", lora_strength: -0.5 }, lora, presets, [])).toEqual({
      ok: true,
      request: { prompt: "x", lora: "styles/ink.safetensors", lora_strength: -0.5 },
    });
  });

  it("refuses a name that is not on the list, listing the ones that are", async () => {
    const outcome = chooseLora(
      { prompt: "x", lora: "add_detail.safetensors" },
      await shippedTemplate("sd15-lora"),
      presets,
      [],
    );
    expect(outcome).toEqual({
      ok: false,
      code: "bad_value",
      message: 'There is no LoRA called "add_detail.safetensors". Choose one of: detail, ink.',
    });
  });

  it("refuses a LoRA for a workflow without a LoRA loader, naming it and the ones that have one", async () => {
    const template = await sd15();
    expect(chooseLora({ prompt: "x", lora: "detail" }, template, presets, ["sd15-lora"])).toEqual({
      ok: false,
      code: "param_not_offered",
      message:
        'The workflow "sd15" has no LoRA loader, so it cannot use the LoRA "detail". Workflows that take a LoRA here: sd15-lora.',
    });
    expect(chooseLora({ prompt: "x", lora_strength: 0.4 }, template, presets, [])).toEqual({
      ok: false,
      code: "param_not_offered",
      message: 'The workflow "sd15" has no LoRA loader, so a LoRA strength does not apply.',
    });
    // No LoRA asked: nothing to choose, nothing to refuse.
    expect(chooseLora({ prompt: "x" }, template, presets, [])).toEqual({
      ok: true,
      request: { prompt: "x" },
    });
  });
});
