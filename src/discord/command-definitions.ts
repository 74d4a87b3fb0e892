import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from "discord.js";
import { generateDefinition } from "../commands/generate-definition.js";
import {
  cancelDefinition,
  forgetMeDefinition,
  historyDefinition,
  queueDefinition,
  settingsDefinition,
} from "../commands/small-definitions.js";
import { aspectPresets } from "../workflows/aspect-presets.js";
import type { WorkflowTemplate } from "../workflows/workflow-template.js";

const optional = {
  history: historyDefinition,
  "forget-me": forgetMeDefinition,
} as const;

/**
 * Every slash command as sent to Discord. Workflow choices come from the config, so the
 * registration hash changes (and commands are re-registered) when workflows change.
 */
export function buildCommandDefinitions(
  templates: readonly WorkflowTemplate[],
  extraNames: readonly string[] = [],
): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  const batchWorkflows = templates.filter((template) => template.offered.includes("batch"));
  const definitions: RESTPostAPIChatInputApplicationCommandsJSONBody[] = [
    generateDefinition({
      workflows: templates.map((template) => ({ name: template.name, description: template.description })),
      aspects: templates.some((template) => template.native) ? Object.keys(aspectPresets) : [],
      maxCount: batchWorkflows.length > 0 ? 10 : undefined,
    }),
    queueDefinition(),
    cancelDefinition(),
    settingsDefinition(),
  ];
  for (const name of extraNames) {
    if (name in optional) definitions.push(optional[name as keyof typeof optional]());
  }
  return definitions;
}
