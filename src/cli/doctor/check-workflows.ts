import type { ObjectInfo } from "../../comfy/object-info.js";
import type { DefaultLowered } from "../../workflows/fit-defaults-to-limits.js";
import { validateAgainstBackend } from "../../workflows/validate-against-backend.js";
import type { WorkflowProblem } from "../../workflows/workflow-problem.js";
import type { WorkflowTemplate } from "../../workflows/workflow-template.js";
import type { DoctorReport } from "./doctor-report.js";

/** Workflows that failed to load (missing file, UI format, bad bindings): each is a ✗. */
export function checkWorkflowFiles(
  templates: readonly WorkflowTemplate[],
  problems: readonly WorkflowProblem[],
  report: DoctorReport,
): void {
  const failed = new Map<string, string[]>();
  for (const problem of problems) {
    failed.set(problem.workflow, [...(failed.get(problem.workflow) ?? []), problem.message]);
  }
  for (const [name, messages] of failed) report.fail(`workflow ${name} does not load`, messages);
  if (templates.length === 0 && failed.size === 0) {
    report.fail(
      "no workflow configured",
      "add one under `workflows:` in config/bot.yaml (see bot.example.yaml)",
    );
  }
}

/** Workflow defaults above the bot-wide limits: the bot lowers them at start-up, so each is a ⚠. */
export function checkWorkflowDefaults(lowered: readonly DefaultLowered[], report: DoctorReport): void {
  for (const { workflow, message, fix } of lowered) report.warn(`workflow ${workflow}: ${message}`, fix);
}

/** Each loaded workflow against one host's `/object_info`: node classes, models, values, bindings. */
export function checkWorkflowsOnHost(
  templates: readonly WorkflowTemplate[],
  host: { label: string; info: ObjectInfo },
  report: DoctorReport,
): void {
  for (const template of templates) {
    const problems = validateAgainstBackend(template, host.info, host.label);
    if (problems.length === 0) report.ok(`workflow ${template.name} runs on ${host.label}`);
    else
      report.fail(
        `workflow ${template.name} cannot run on ${host.label}`,
        problems.map((p) => p.message),
      );
  }
}
