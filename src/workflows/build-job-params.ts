import { findInput, type ObjectInfo } from "../comfy/object-info.js";
import { jobParamsSchema, type GenerationRequest, type JobParams } from "../request/generation-request.js";
import { boundRows, paramRows, type BoundParam, type BuiltName } from "../request/param-table.js";
import { sizeForAspect } from "./aspect-presets.js";
import { randomInteger } from "./random-value.js";
import { WorkflowError } from "./workflow-error.js";
import type { WorkflowTemplate } from "./workflow-template.js";

export interface BuildOptions {
  /** A host's `/object_info` that can run the workflow: random values stay within its input specs. */
  objectInfo?: ObjectInfo | undefined;
  /** For seeds; [0, 1) like Math.random. */
  random?: (() => number) | undefined;
}

/**
 * The values a request makes on one workflow: what the member gave, an aspect ratio turned into a
 * size at the workflow's native pixel budget, the workflow's defaults for the rest, and a random
 * seed unless one was given. Does not check the values against a host or the channel's rules
 * (`checkJobParams`, `checkGenerate`). Throws WorkflowError with a message for the member.
 */
export function buildJobParams(
  template: WorkflowTemplate,
  request: GenerationRequest,
  options: BuildOptions = {},
): JobParams {
  for (const row of paramRows) {
    // The prompt is carried even where the graph takes none (see checkJobParams).
    if (row.required) continue;
    if (request[row.name] !== undefined && !template.takes(row.name)) {
      throw new WorkflowError("param_not_offered", row.name, `This workflow does not take ${row.label}.`);
    }
  }
  const asked: Partial<Record<BuiltName, string | number | undefined>> = {
    ...request,
    ...sizeOf(template, request),
  };
  const values: Partial<Record<BuiltName, string | number>> = {};
  for (const row of boundRows) {
    if (!template.offers(row.binding) && !row.required) continue;
    const value = asked[row.name] ?? leftOut(template, row, options);
    if (value !== undefined) values[row.name] = value;
  }
  const built = jobParamsSchema.safeParse(values);
  // The request and the template's defaults were both checked for their types already.
  if (!built.success) throw new WorkflowError("bad_value", "prompt", "A prompt is required.");
  return built.data;
}

/** An aspect ratio becomes a size, unless the member also gave a width or a height. */
function sizeOf(template: WorkflowTemplate, request: GenerationRequest): { width?: number; height?: number } {
  if (request.aspect === undefined || request.width !== undefined || request.height !== undefined) return {};
  if (!template.native) {
    throw new WorkflowError(
      "param_not_offered",
      "aspect",
      `The workflow "${template.name}" has a fixed size; aspect ratios are not available.`,
    );
  }
  return sizeForAspect(request.aspect, template.native);
}

function leftOut(
  template: WorkflowTemplate,
  row: BoundParam,
  options: BuildOptions,
): string | number | undefined {
  // The graph keeps its own values: nothing is written, so nothing is built.
  if (row.whenLeftOut === "graph") return undefined;
  if (row.whenLeftOut !== "random" || row.type.kind !== "integer") return template.defaults[row.name];
  const bound = template.boundInput(row.binding);
  const spec = options.objectInfo && bound && findInput(options.objectInfo, bound.classType, bound.input);
  const hostMax = spec?.kind === "INT" && spec.max !== undefined ? spec.max : Infinity;
  return randomInteger(row.type.min, Math.min(row.type.max, hostMax), options.random);
}
