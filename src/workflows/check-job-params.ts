import { findInput, type InputDescription, type ObjectInfo } from "../comfy/object-info.js";
import type { GenerationRequest, JobParams } from "../request/generation-request.js";
import { capitalise } from "../request/param-schemas.js";
import { boundRows, paramRows, type BoundParam } from "../request/param-table.js";
import { describeValueKind, literalFits } from "./binding.js";
import { checkValue, listSome } from "./check-value.js";
import { WorkflowError } from "./workflow-error.js";
import type { WorkflowTemplate } from "./workflow-template.js";

export interface CheckOptions {
  /** The host's `/object_info`: values are checked against its input specs and lists. */
  objectInfo?: ObjectInfo | undefined;
  /** What the member asked for: a value they did not give is called the workflow's default. */
  request?: GenerationRequest | undefined;
}

/**
 * Checks built values against the workflow (its bindings and its `models` list) and a host's
 * input specs, the way ComfyUI's own validation would, so a bad value is refused before the
 * prompt is queued. Runs at admission with a host that can run the workflow, and again at
 * dispatch with the host actually chosen, which may lack a checkpoint or a sampler.
 * Throws WorkflowError with a message for the member.
 */
export function checkJobParams(
  template: WorkflowTemplate,
  params: JobParams,
  options: CheckOptions = {},
): void {
  for (const row of boundRows) {
    const value = params[row.name];
    if (value === undefined) continue;
    // The prompt is every job's description (its message, alt text, history): carried even by a
    // workflow that takes none (an upscale), and written nowhere in its graph.
    if (row.required && !template.offers(row.binding)) continue;
    if (!template.offers(row.binding)) {
      throw new WorkflowError("param_not_offered", row.name, `This workflow does not take ${row.label}.`);
    }
    const suffix = !options.request || askedFor(options.request, row) ? "" : " (this workflow's default)";
    // A value written to several inputs (a LoRA's two strengths) must fit each of them.
    for (const spec of specs(template, row, options.objectInfo)) checkOne(template, row, value, spec, suffix);
  }
}

function specs(
  template: WorkflowTemplate,
  row: BoundParam,
  objectInfo: ObjectInfo | undefined,
): (InputDescription | undefined)[] {
  const bound = template.boundInputsOf(row);
  if (!objectInfo || bound.length === 0) return [undefined];
  return bound.map(({ classType, input }) => findInput(objectInfo, classType, input));
}

/** Given by the member, directly or through a parameter that sets it (an aspect sets the size). */
function askedFor(request: GenerationRequest, row: BoundParam): boolean {
  if (request[row.name] !== undefined) return true;
  return paramRows.some((other) => other.needs?.includes(row.binding) && request[other.name] !== undefined);
}

function checkOne(
  template: WorkflowTemplate,
  row: BoundParam,
  value: string | number,
  spec: InputDescription | undefined,
  suffix: string,
): void {
  const name = capitalise(row.label);
  if (!literalFits(row.binding, value)) {
    throw new WorkflowError(
      "bad_value",
      row.name,
      `${name} must be ${describeValueKind(row.binding)}${suffix}.`,
    );
  }
  // User text comes back in the message: keep it short (the Discord layer escapes it).
  const shown = typeof value === "string" ? `"${truncate(value, 80)}"` : String(value);
  // An input image is uploaded at dispatch, so the host's file list cannot hold it yet; ComfyUI
  // itself checks that the file exists, not the list (LoadImage's VALIDATE_INPUTS).
  if (spec && row.type.kind !== "image") {
    const check = checkValue(value, spec);
    if (!check.ok) {
      switch (check.problem) {
        case "wrong_type":
          throw new WorkflowError("bad_value", row.name, `${name} must be ${check.expected}${suffix}.`);
        case "below_min":
          throw new WorkflowError(
            "param_out_of_range",
            row.name,
            `${name} ${shown} is below the minimum of ${check.bound}${suffix}.`,
          );
        case "above_max":
          throw new WorkflowError(
            "param_out_of_range",
            row.name,
            `${name} ${shown} is above this workflow's maximum of ${check.bound}${suffix}.`,
          );
        case "not_in_list":
          throw new WorkflowError(
            "bad_value",
            row.name,
            `${name} ${shown} is not available on this server${suffix}; choose one of: ${listSome(check.options)}.`,
          );
      }
    }
  }
  const hostStep = spec?.kind === "INT" && spec.step !== undefined && spec.step > 1 ? spec.step : undefined;
  const multiple = hostStep ?? (row.type.kind === "integer" ? row.type.multipleOf : undefined);
  if (multiple !== undefined && typeof value === "number" && value % multiple !== 0) {
    throw new WorkflowError(
      "bad_value",
      row.name,
      `${name} ${shown} must be a multiple of ${multiple}${suffix}.`,
    );
  }
  const allowList = row.workflowList === "models" ? template.models : undefined;
  if (allowList && allowList.length > 0 && typeof value === "string" && !allowList.includes(value)) {
    throw new WorkflowError(
      "bad_value",
      row.name,
      `${name} ${shown} is not allowed here${suffix}; choose one of: ${listSome(allowList)}.`,
    );
  }
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
