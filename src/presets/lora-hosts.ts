import { comboOptions, loraNames, type ObjectInfo } from "../comfy/object-info.js";
import type { WorkflowTemplate } from "../workflows/workflow-template.js";
import type { LoraConfig } from "./presets.js";

/**
 * Whether a host can load this LoRA file in this workflow: the list of the input the workflow
 * binds `lora` to (its LoraLoader's `lora_name`), as a checkpoint is checked against its loader's.
 */
export function loraListed(info: ObjectInfo, template: WorkflowTemplate, file: string): boolean {
  const bound = template.boundInput("lora");
  const options = bound ? comboOptions(info, bound.classType, bound.input) : undefined;
  return options?.includes(file) ?? false;
}

/** The allow-listed LoRAs whose file no host lists (hosts that have not reported are not asked). */
export function lorasMissingOn(loras: readonly LoraConfig[], infos: readonly ObjectInfo[]): LoraConfig[] {
  if (infos.length === 0) return [];
  const files = new Set(infos.flatMap(loraNames));
  return loras.filter((lora) => !files.has(lora.file));
}

/** The operator's sentence for a LoRA no host has: where the file goes, or what to change. */
export function loraMissingText(lora: LoraConfig, hostCount: number): string {
  const where = hostCount === 1 ? "the ComfyUI host" : `any of the ${hostCount} ComfyUI hosts`;
  return `LoRA "${lora.name}": ${JSON.stringify(lora.file)} is not installed on ${where}, so members who pick it are refused; put the file in ComfyUI's models/loras folder, or fix loras[].file (it must match the name ComfyUI lists, subfolder included)`;
}
