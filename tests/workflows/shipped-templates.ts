import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseApiPrompt } from "../../src/workflows/api-prompt.js";
import { detectBindings } from "../../src/workflows/detect-bindings.js";
import { WorkflowTemplate } from "../../src/workflows/workflow-template.js";
import { configDir, loadOk } from "./test-support.js";

export type ShippedImageWorkflow =
  "sd15-img2img" | "sdxl-img2img" | "sd15-lora" | "upscale" | "upscale-no-model";

/**
 * A shipped image workflow as a template. The upscale graphs have no prompt, which the config
 * loader requires of every `workflows:` entry today, so they are built from their detected
 * bindings directly, as the `actions.upscale` wiring will have to.
 */
export async function shippedTemplate(name: ShippedImageWorkflow): Promise<WorkflowTemplate> {
  const file = join(configDir, "workflows", `${name}.json`);
  if (name !== "upscale" && name !== "upscale-no-model") return loadOk({ name, file }, configDir);
  const parsed = parseApiPrompt(JSON.parse(await readFile(file, "utf8")));
  if (!parsed.ok) throw new Error(`${file}: ${parsed.detail}`);
  return new WorkflowTemplate({
    name,
    file,
    graph: parsed.prompt,
    bindings: detectBindings(parsed.prompt).bindings,
  });
}
