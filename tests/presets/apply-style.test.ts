import { describe, expect, it } from "vitest";
import { styleConfigSchema, type StyleConfig } from "../../src/config/preset-schema.js";
import { applyStyle } from "../../src/presets/apply-style.js";
import type { WorkflowTemplate } from "../../src/workflows/workflow-template.js";
import { configDir, loadOk } from "../workflows/test-support.js";

const sd15 = (defaults: Record<string, string | number> = {}): Promise<WorkflowTemplate> =>
  loadOk({ name: "sd15", file: "workflows/sd15.json", defaults }, configDir);

/** A style as the config loader makes it (defaults filled in). */
const style = (input: Partial<StyleConfig> & { prompt: string }): StyleConfig =>
  styleConfigSchema.parse({ name: "s", ...input });

describe("applyStyle", () => {
  it("wraps the member's words in the template, every {prompt} of it, and keeps them literal", async () => {
    const template = await sd15();
    const styled = applyStyle(
      { prompt: "a fox $& $1" },
      style({ prompt: "{prompt}, watercolor, ({prompt}:0.5)" }),
      template,
    );
    expect(styled.prompt).toBe("a fox $& $1, watercolor, (a fox $& $1:0.5)");
  });

  it("puts the style's negative before the member's, or before the workflow's default one", async () => {
    const template = await sd15({ negative: "watermark" });
    const watercolor = style({ prompt: "{prompt}", negative: " photo, 3d " });
    expect(applyStyle({ prompt: "x", negative: "blurry" }, watercolor, template).negative).toBe(
      "photo, 3d, blurry",
    );
    expect(applyStyle({ prompt: "x" }, watercolor, template).negative).toBe("photo, 3d, watermark");
    // A style without a negative leaves the member's (or the workflow's default) alone.
    const plain = applyStyle({ prompt: "x" }, style({ prompt: "{prompt}" }), template);
    expect(plain).not.toHaveProperty("negative");
  });

  it("adds no negative on a workflow without one", async () => {
    const graph = (await sd15()).graph();
    delete graph["7"];
    graph["3"]!.inputs.negative = ["6", 0];
    const { tempWorkflow } = await import("../workflows/test-support.js");
    const noNegative = await loadOk({ name: "pos", file: "workflow.json" }, await tempWorkflow(graph));
    expect(noNegative.takes("negative")).toBe(false);
    const styled = applyStyle(
      { prompt: "x" },
      style({ prompt: "{prompt}, ink", negative: "photo" }),
      noNegative,
    );
    expect(styled).toEqual({ prompt: "x, ink" });
  });

  it("presets params the member left out, by option name, and never overrides what the member gave", async () => {
    const template = await sd15();
    const preset = style({ prompt: "{prompt}", params: { steps: 30, cfg: 5, sampler: "euler", count: 2 } });
    expect(applyStyle({ prompt: "x", steps: 12 }, preset, template)).toEqual({
      prompt: "x",
      steps: 12,
      cfg: 5,
      sampler: "euler",
      count: 2,
    });
  });

  it("lets a member's aspect beat the style's size, and a member's size beat the style's aspect", async () => {
    const template = await sd15();
    const sized = style({ prompt: "{prompt}", params: { width: 768, height: 512 } });
    expect(applyStyle({ prompt: "x", aspect: "9:16" }, sized, template)).toEqual({
      prompt: "x",
      aspect: "9:16",
    });
    expect(applyStyle({ prompt: "x" }, sized, template)).toEqual({ prompt: "x", width: 768, height: 512 });
    const wide = style({ prompt: "{prompt}", params: { aspect: "16:9" } });
    expect(applyStyle({ prompt: "x", width: 640 }, wide, template)).toEqual({ prompt: "x", width: 640 });
    expect(applyStyle({ prompt: "x" }, wide, template)).toEqual({ prompt: "x", aspect: "16:9" });
  });

  it("leaves out params the workflow does not take, so a style written for another one still works", async () => {
    const template = await sd15();
    const styled = applyStyle(
      { prompt: "x" },
      style({ prompt: "{prompt}", params: { steps: 20, lora: "ink", lora_strength: 0.5 } }),
      template,
    );
    expect(styled).toEqual({ prompt: "x", steps: 20 });
  });
});
