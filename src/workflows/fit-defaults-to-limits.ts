import type { SettingValues } from "../moderation/effective-settings.js";
import type { MaxSettingKey } from "../request/param-row.js";
import { boundRows, type BuiltName } from "../request/param-table.js";
import { WorkflowTemplate } from "./workflow-template.js";

/** The bot-wide limits a workflow's own defaults must keep (`settings:` in the config). */
export type DefaultLimits = Pick<SettingValues, MaxSettingKey>;

/** One default the bot lowered, for the start-up log and `doctor`. */
export interface DefaultLowered {
  workflow: string;
  /** "default steps 60 is above the bot-wide maxSteps of 50; the bot uses 50" */
  message: string;
  /** What the operator can change instead. */
  fix: string;
}

/**
 * A workflow whose own defaults (its graph's values, or `workflows[].defaults`) exceed the
 * bot-wide limits would refuse every plain `/generate` with "Steps 60 is above this channel's
 * limit of 50", naming a number the member never asked for. The operator's limit is the explicit
 * decision (it bounds cost), the graph's value is often just what the workflow was saved with: so
 * the default is lowered to the limit here, once at start-up, and reported, rather than the member
 * refused. A size over `maxPixels` shrinks both sides by the same factor, keeping the aspect.
 */
export function fitDefaultsToLimits(
  templates: readonly WorkflowTemplate[],
  limits: DefaultLimits,
): { templates: WorkflowTemplate[]; lowered: DefaultLowered[] } {
  const lowered: DefaultLowered[] = [];
  const fitted = templates.map((template) => {
    const changes: Partial<Record<BuiltName, number>> = {};
    const note = (message: string, fix: string) => lowered.push({ workflow: template.name, message, fix });
    for (const row of boundRows) {
      const value = template.defaults[row.name];
      if (row.limit?.kind !== "max" || typeof value !== "number") continue;
      const max = limits[row.limit.setting];
      if (value <= max) continue;
      const step = row.type.kind === "integer" ? (row.type.multipleOf ?? 1) : 1;
      const lower = Math.max(step, Math.floor(max / step) * step);
      changes[row.name] = lower;
      note(
        `default ${row.label} ${value} is above the bot-wide ${row.limit.setting} of ${max}; the bot uses ${lower}`,
        `set workflows[].defaults.${row.binding} to ${max} or less for ${template.name}, or raise settings.${row.limit.setting}`,
      );
    }
    const width = changes.width ?? template.defaults.width;
    const height = changes.height ?? template.defaults.height;
    if (width !== undefined && height !== undefined && width * height > limits.maxPixels) {
      const scale = Math.sqrt(limits.maxPixels / (width * height));
      const side = (length: number) => Math.max(8, Math.floor((length * scale) / 8) * 8);
      changes.width = side(width);
      changes.height = side(height);
      note(
        `default size ${width}×${height} is above the bot-wide maxPixels of ${limits.maxPixels}; the bot uses ${changes.width}×${changes.height}`,
        `set smaller workflows[].defaults.width and height for ${template.name}, or raise settings.maxPixels`,
      );
    }
    return Object.keys(changes).length === 0 ? template : withDefaults(template, changes);
  });
  return { templates: fitted, lowered };
}

/** The same workflow with some bound inputs' values replaced in its graph. */
function withDefaults(
  template: WorkflowTemplate,
  changes: Partial<Record<BuiltName, number>>,
): WorkflowTemplate {
  const graph = template.graph();
  for (const row of boundRows) {
    const value = changes[row.name];
    const binding = template.bindings[row.binding];
    const node = binding && graph[binding.nodeId];
    if (value !== undefined && node) node.inputs[binding.input] = value;
  }
  return new WorkflowTemplate({
    name: template.name,
    file: template.file,
    graph,
    bindings: template.bindings,
    ...(template.description === undefined ? {} : { description: template.description }),
    ...(template.models === undefined ? {} : { models: template.models }),
  });
}
