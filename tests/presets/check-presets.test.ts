import { describe, expect, it } from "vitest";
import { styleConfigSchema } from "../../src/config/preset-schema.js";
import { botSettingsDefaults } from "../../src/moderation/effective-settings.js";
import { checkPresets } from "../../src/presets/check-presets.js";
import type { Presets } from "../../src/presets/presets.js";
import type { WorkflowTemplate } from "../../src/workflows/workflow-template.js";
import { shippedTemplate } from "../workflows/shipped-templates.js";
import { configDir, loadOk } from "../workflows/test-support.js";

const sd15 = (): Promise<WorkflowTemplate> =>
  loadOk({ name: "sd15", file: "workflows/sd15.json" }, configDir);
const style = (input: Record<string, unknown>) => styleConfigSchema.parse({ prompt: "{prompt}", ...input });
const lora = { name: "detail", file: "add_detail.safetensors", strength: 1 };

describe("checkPresets", () => {
  it("finds nothing to say about styles and LoRAs the workflows can use", async () => {
    const presets: Presets = {
      styles: [style({ name: "a", params: { steps: 20, lora: "detail" }, workflow: "sd15-lora" })],
      loras: [lora],
    };
    const templates = [await sd15(), await shippedTemplate("sd15-lora")];
    expect(checkPresets(presets, templates, botSettingsDefaults())).toEqual([]);
  });

  it("warns about a param the style's workflow does not take, one above the bot-wide limit, and a workflow that did not load", async () => {
    const presets: Presets = {
      styles: [
        style({ name: "a", workflow: "sd15", params: { lora: "detail", steps: 80 } }),
        style({ name: "b", workflow: "flux" }),
      ],
      loras: [lora],
    };
    const warnings = checkPresets(
      presets,
      [await sd15(), await shippedTemplate("sd15-lora")],
      botSettingsDefaults(),
    );
    // In the order of the params' keys as the schema reads them (steps before lora).
    expect(warnings).toEqual([
      {
        message:
          "style a: params.steps 80 is above the bot-wide maxSteps of 50, so members who pick it are refused unless they give a lower steps",
        fix: "lower styles[].params.steps for a, or raise settings.maxSteps",
      },
      {
        message: "style a: params.lora is ignored: workflow sd15 does not take LoRA",
        fix: "remove params.lora, or bind it in that workflow's bindings",
      },
      {
        message:
          'style b: its workflow "flux" did not load, so members who pick the style without a workflow are refused',
        fix: "fix workflow flux (see its problems), or point styles[].workflow elsewhere",
      },
    ]);
  });

  it("warns that listed LoRAs are never offered when no workflow has a LoRA loader", async () => {
    expect(checkPresets({ styles: [], loras: [lora] }, [await sd15()], botSettingsDefaults())).toEqual([
      {
        message: "loras are listed, but no workflow has a LoRA loader, so /generate offers no lora option",
        fix: "add a workflow with one LoraLoader (the shipped workflows/sd15-lora.json), or remove loras",
      },
    ]);
  });
});
