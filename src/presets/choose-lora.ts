import type { GenerationRequest } from "../request/generation-request.js";
import type { WorkflowTemplate } from "../workflows/workflow-template.js";
import { loraNamed, type PresetRefusal, type Presets } from "./presets.js";

export type LoraOutcome = { ok: true; request: GenerationRequest } | PresetRefusal;

/**
 * A LoRA asked by name (the member's `lora:` or the style's) becomes the file the workflow's
 * LoRA loader gets, with the operator's strength unless one was asked. Refused, naming the
 * workflow, where the workflow has no LoRA loader: it would otherwise run without the LoRA.
 * `loraWorkflows` are the workflows here that do take one, for the refusal's hint.
 */
export function chooseLora(
  request: GenerationRequest,
  template: WorkflowTemplate,
  presets: Presets,
  loraWorkflows: readonly string[],
): LoraOutcome {
  const elsewhere =
    loraWorkflows.length === 0 ? "" : ` Workflows that take a LoRA here: ${loraWorkflows.join(", ")}.`;
  if (request.lora === undefined) {
    if (request.lora_strength !== undefined && !template.takes("lora_strength")) {
      return refuse(
        "param_not_offered",
        `The workflow "${template.name}" has no LoRA loader, so a LoRA strength does not apply.${elsewhere}`,
      );
    }
    return { ok: true, request };
  }
  const lora = loraNamed(presets, request.lora);
  if (lora === undefined) {
    const names = presets.loras.map((entry) => entry.name);
    return refuse(
      "bad_value",
      names.length === 0
        ? "This bot offers no LoRAs."
        : `There is no LoRA called "${request.lora}". Choose one of: ${names.join(", ")}.`,
    );
  }
  if (!template.takes("lora")) {
    return refuse(
      "param_not_offered",
      `The workflow "${template.name}" has no LoRA loader, so it cannot use the LoRA "${lora.name}".${elsewhere}`,
    );
  }
  const chosen: GenerationRequest = { ...request, lora: lora.file };
  // A loader whose strengths are fed by links takes no strength from the bot: the file alone.
  if (template.takes("lora_strength")) chosen.lora_strength = request.lora_strength ?? lora.strength;
  else if (request.lora_strength !== undefined) {
    return refuse(
      "param_not_offered",
      `The workflow "${template.name}" does not take a LoRA strength; leave lora_strength out.`,
    );
  }
  return { ok: true, request: chosen };
}

function refuse(code: PresetRefusal["code"], message: string): PresetRefusal {
  return { ok: false, code, message };
}
