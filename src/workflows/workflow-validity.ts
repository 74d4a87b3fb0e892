import type { Logger } from "pino";
import type { ObjectInfo } from "../comfy/object-info.js";
import { validateAgainstBackend } from "./validate-against-backend.js";
import type { WorkflowTemplate } from "./workflow-template.js";

/**
 * Which workflow runs on which host, re-checked whenever a host (re)connects and sends its
 * `/object_info`. Problems are logged once per host and workflow with the fix; a workflow valid
 * on no reachable host is reported as disabled, and the rest of the bot carries on.
 */
export class WorkflowValidity {
  readonly #templates: readonly WorkflowTemplate[];
  readonly #logger: Logger;
  /** backend id → names of the workflows it can run. */
  readonly #valid = new Map<string, Set<string>>();
  readonly #infos = new Map<string, ObjectInfo>();

  constructor(templates: readonly WorkflowTemplate[], logger: Logger) {
    this.#templates = templates;
    this.#logger = logger;
  }

  check(backendId: string, info: ObjectInfo): void {
    const valid = new Set<string>();
    for (const template of this.#templates) {
      const problems = validateAgainstBackend(template, info, backendId);
      if (problems.length === 0) valid.add(template.name);
      for (const problem of problems) {
        this.#logger.error(
          { workflow: template.name, backend: backendId, code: problem.code },
          problem.message,
        );
      }
    }
    this.#valid.set(backendId, valid);
    this.#infos.set(backendId, info);
    for (const template of this.#templates) {
      if (!this.runsAnywhere(template.name)) {
        this.#logger.error(
          { workflow: template.name },
          `workflow "${template.name}" is disabled: no connected ComfyUI host can run it (see the errors above)`,
        );
      }
    }
  }

  /** True until every host has reported (a cold start must not refuse jobs). */
  runsAnywhere(workflow: string): boolean {
    if (this.#valid.size === 0) return true;
    return [...this.#valid.values()].some((names) => names.has(workflow));
  }

  /** `/object_info` of a host that can run the workflow, to check parameters against its specs. */
  objectInfoFor(workflow: string): ObjectInfo | undefined {
    return this.objectInfosFor(workflow)[0];
  }

  /** Every reporting host that can run the workflow (a LoRA must be on one of them). */
  objectInfosFor(workflow: string): ObjectInfo[] {
    const infos: ObjectInfo[] = [];
    for (const [backendId, names] of this.#valid) {
      const info = this.#infos.get(backendId);
      if (info && names.has(workflow)) infos.push(info);
    }
    return infos;
  }

  /** Every host's info, for autocomplete lists. */
  infos(): ObjectInfo[] {
    return [...this.#infos.values()];
  }
}
