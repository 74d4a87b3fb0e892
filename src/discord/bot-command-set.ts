import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from "discord.js";
import { historyCommands } from "../commands/history-commands.js";
import { buildCommandDefinitions } from "./command-definitions.js";
import type { WorkflowTemplate } from "../workflows/workflow-template.js";

/**
 * The optional commands `main.ts` adds (its `extraCommands`). `register` must send exactly what the
 * bot sends, or the bot would see a changed hash and register again at its next start.
 */
export const botExtraCommandNames: readonly string[] = Object.keys(historyCommands);

/** The slash commands the bot registers for these workflows. */
export function botCommandDefinitions(
  templates: readonly WorkflowTemplate[],
  extraNames: readonly string[] = botExtraCommandNames,
): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return buildCommandDefinitions(templates, extraNames);
}
