import type { GenerationRequest } from "../request/generation-request.js";
import { paramNamed, paramRows, type ParamName } from "../request/param-table.js";
import type { WorkflowTemplate } from "../workflows/workflow-template.js";
import { promptPlaceholder, type StyleConfig, type StyleParamName } from "../config/preset-schema.js";

/**
 * The request as it runs with a style: the style's template around the member's words, the
 * style's negative before the member's (or the workflow's default) negative, and the style's
 * params wherever the member gave nothing and the workflow takes them. The member's explicit
 * options always win, including over a related one (an aspect the member picked beats a size the
 * style presets, and a size beats the style's aspect). Pure: the stored request keeps the style's
 * name, and this runs again for a reroll.
 */
export function applyStyle(
  request: GenerationRequest,
  style: StyleConfig,
  template: WorkflowTemplate,
): GenerationRequest {
  // split/join, not replace(): a member's "$&" must stay literal text.
  const styled: GenerationRequest = {
    ...request,
    prompt: style.prompt.split(promptPlaceholder).join(request.prompt),
  };
  if (style.negative.trim() !== "" && template.takes("negative")) {
    styled.negative = joinText(style.negative, request.negative ?? template.defaults.negative ?? "");
  }
  const values: Partial<Record<ParamName, string | number | undefined>> = styled;
  for (const [name, value] of Object.entries(style.params ?? {}) as [StyleParamName, string | number][]) {
    if (request[name] !== undefined || overriddenBy(request, name) || !template.takes(name)) continue;
    values[name] = value;
  }
  return styled;
}

/**
 * Whether the member gave an option that decides this one: an aspect ratio sets width and height
 * (its `needs`), so a member's aspect overrides the style's size, and the member's size its aspect.
 */
function overriddenBy(request: GenerationRequest, name: StyleParamName): boolean {
  const row = paramNamed(name);
  return paramRows.some(
    (other) =>
      request[other.name] !== undefined &&
      ((other.binding !== undefined && (row.needs ?? []).includes(other.binding)) ||
        (row.binding !== undefined && (other.needs ?? []).includes(row.binding))),
  );
}

function joinText(...parts: string[]): string {
  return parts
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .join(", ");
}
