import { comboOptions, type ObjectInfo } from "../comfy/object-info.js";
import type { WorkflowTemplate } from "./workflow-template.js";

export interface ParamChoices {
  model?: string[];
  sampler?: string[];
  scheduler?: string[];
}

/**
 * Autocomplete lists for one workflow on one backend, read from the combos of the inputs the
 * workflow binds (so a UNETLoader workflow lists diffusion models, not checkpoints). Models are
 * narrowed to the workflow's `models` allow-list when it has one. Only offered parameters appear.
 */
export function paramChoices(template: WorkflowTemplate, objectInfo: ObjectInfo): ParamChoices {
  const graph = template.graph();
  const choices: ParamChoices = {};
  for (const param of ["model", "sampler", "scheduler"] as const) {
    const binding = template.bindings[param];
    const node = binding && graph[binding.nodeId];
    if (!binding || !node) continue;
    let options = comboOptions(objectInfo, node.class_type, binding.input) ?? [];
    const allowList = param === "model" ? template.models : undefined;
    if (allowList) options = options.filter((option) => allowList.includes(option));
    choices[param] = options;
  }
  return choices;
}
