import type { Logger } from "pino";
import type { WorkflowConfig } from "../config/schema.js";
import { loadWorkflowFile } from "./load-workflow-file.js";
import type { WorkflowTemplate } from "./workflow-template.js";
import type { WorkflowProblem } from "./workflow-problem.js";

/**
 * Loads every configured workflow, in config order, so `templates[0]` is the default. A workflow
 * with problems is left out and its problems returned; the others still load, so one bad file
 * does not stop the bot.
 */
export async function loadWorkflows(
  configs: readonly WorkflowConfig[],
  configDir: string,
  logger: Logger,
): Promise<{ templates: WorkflowTemplate[]; problems: WorkflowProblem[] }> {
  const templates: WorkflowTemplate[] = [];
  const problems: WorkflowProblem[] = [];
  const names = new Set<string>();
  for (const config of configs) {
    if (names.has(config.name)) {
      problems.push({
        workflow: config.name,
        code: "duplicate_name",
        message: `Workflow "${config.name}" is configured twice; give each entry under "workflows" its own name.`,
      });
      continue;
    }
    names.add(config.name);
    const loaded = await loadWorkflowFile(config, configDir, logger);
    if (loaded.ok) templates.push(loaded.template);
    else problems.push(...loaded.problems);
  }
  for (const problem of problems)
    logger.error({ workflow: problem.workflow, code: problem.code }, problem.message);
  const first = configs[0];
  if (first && templates[0] && templates[0].name !== first.name) {
    logger.warn(
      { workflow: templates[0].name },
      `workflow "${first.name}" failed to load; the default is "${templates[0].name}"`,
    );
  }
  return { templates, problems };
}
