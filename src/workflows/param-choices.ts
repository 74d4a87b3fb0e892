import { comboOptions, type ObjectInfo } from "../comfy/object-info.js";
import { paramNamed, type ParamName } from "../request/param-table.js";
import type { WorkflowTemplate } from "./workflow-template.js";

/**
 * The names a host offers for one parameter of one workflow (autocomplete), read from the list of
 * the input the workflow binds it to, so a UNETLoader workflow lists diffusion models and not
 * checkpoints. Narrowed to the workflow's own allow-list (`models`) when it has one. Undefined
 * when the workflow does not bind the parameter or the input has no list.
 */
export function paramChoices(
  template: WorkflowTemplate,
  objectInfo: ObjectInfo,
  name: ParamName,
): string[] | undefined {
  const row = paramNamed(name);
  const bound = row.binding === undefined ? undefined : template.boundInput(row.binding);
  if (!bound) return undefined;
  const options = comboOptions(objectInfo, bound.classType, bound.input);
  const allowList = row.workflowList === "models" ? template.models : undefined;
  return allowList && options ? options.filter((option) => allowList.includes(option)) : options;
}
