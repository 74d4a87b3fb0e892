import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import type { Logger } from "pino";
import type { WorkflowConfig } from "../config/schema.js";
import { bindingNames, type BindingName } from "../request/param-table.js";
import { asLink, describeNode, parseApiPrompt, type ApiPrompt } from "./api-prompt.js";
import { describeValueKind, formatBinding, literalFits, parseBindingPath, type Bindings } from "./binding.js";
import { checkGraph, listNodes } from "./check-graph.js";
import { detectBindings } from "./detect-bindings.js";
import { WorkflowTemplate } from "./workflow-template.js";
import type { WorkflowProblem, WorkflowProblemCode } from "./workflow-problem.js";

export type LoadedWorkflow =
  { ok: true; template: WorkflowTemplate } | { ok: false; problems: WorkflowProblem[] };

const howToExport =
  'In ComfyUI, open Settings and turn on the dev mode options ("Enable dev mode options"), then use Workflow → Export (API) (older menus: "Save (API Format)") and point "file" at that JSON.';

/**
 * Reads one configured workflow and finds its bindings: every problem visible without a backend
 * (missing or non-JSON file, UI export, dangling links, no output node, bad bindings).
 * Backend-specific checks are `validateAgainstBackend`.
 */
export async function loadWorkflowFile(
  config: WorkflowConfig,
  configDir: string,
  logger: Logger,
): Promise<LoadedWorkflow> {
  const name = config.name;
  const file = isAbsolute(config.file) ? config.file : resolve(configDir, config.file);
  const fail = (code: WorkflowProblemCode, message: string): LoadedWorkflow => ({
    ok: false,
    problems: [{ workflow: name, code, message: `Workflow "${name}": ${message}` }],
  });

  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      return fail(
        "file_missing",
        `${file} does not exist; check "file" in the config (a relative path starts from the config file's folder, ${configDir}).`,
      );
    }
    return fail("file_unreadable", `${file} cannot be read (${code ?? String(error)}).`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fail("not_json", `${file} is not valid JSON (${(error as Error).message}). ${howToExport}`);
  }
  const parsed = parseApiPrompt(json);
  if (!parsed.ok) {
    return parsed.reason === "ui_format"
      ? fail(
          "ui_format",
          `${file} is a ComfyUI UI workflow (${parsed.detail}), not the API format. ${howToExport}`,
        )
      : fail(
          "not_api_format",
          `${file} is not a ComfyUI API-format workflow: ${parsed.detail}. ${howToExport}`,
        );
  }
  const graph = parsed.prompt;
  const problems = checkGraph(name, graph);
  const bindings = resolveBindings(config, graph, problems, logger);
  if (problems.length > 0) return { ok: false, problems };

  applyDefaults(config, graph, bindings, logger);
  const template = new WorkflowTemplate({
    name,
    file,
    graph,
    bindings,
    ...(config.description !== undefined && { description: config.description }),
    ...(config.models !== undefined && { models: config.models }),
  });
  if (
    config.models &&
    template.defaultModel !== undefined &&
    !config.models.includes(template.defaultModel)
  ) {
    return fail(
      "model_not_allowed",
      `the default model "${template.defaultModel}" is not in its "models" list; add it there or set defaults.model to one of them.`,
    );
  }
  return { ok: true, template };
}

/** Detected bindings, overridden by the config's; problems for explicit ones that cannot work. */
function resolveBindings(
  config: WorkflowConfig,
  graph: ApiPrompt,
  problems: WorkflowProblem[],
  logger: Logger,
): Bindings {
  const name = config.name;
  const detection = detectBindings(graph);
  const bindings: Bindings = { ...detection.bindings };
  const detected = Object.fromEntries(
    Object.entries(detection.bindings).map(([param, binding]) => [param, formatBinding(binding)]),
  );
  logger.info({ workflow: name, samplers: detection.samplerIds, detected }, "workflow bindings detected");

  const failed = new Set<BindingName>();
  for (const param of bindingNames) {
    const path = config.bindings?.[param];
    if (path === undefined) continue;
    const binding = parseBindingPath(path);
    const node = binding && graph[binding.nodeId];
    const problem = (code: WorkflowProblemCode, message: string): void => {
      failed.add(param);
      problems.push({
        workflow: name,
        code,
        message: `Workflow "${name}": bindings.${param} ${message}`,
        ...(binding && { nodeId: binding.nodeId }),
        ...(node && { classType: node.class_type }),
      });
    };
    if (!binding || !node) {
      problem(
        "binding_missing_node",
        `points at node ${binding?.nodeId ?? path}, which is not in the file; the nodes are: ${listNodes(graph)}.`,
      );
      continue;
    }
    const where = `${describeNode(graph, binding.nodeId)} input "${binding.input}"`;
    const value = node.inputs[binding.input];
    if (value === undefined) {
      const inputs = Object.keys(node.inputs).join(", ") || "(none)";
      problem("binding_missing_input", `points at ${where}, which does not exist; that node has: ${inputs}.`);
    } else if (asLink(value)) {
      problem(
        "binding_linked",
        `points at ${where}, which is fed by a link from node ${asLink(value)!.nodeId}; bind the input where the value is typed in.`,
      );
    } else if (!literalFits(param, value)) {
      problem(
        "binding_type_mismatch",
        `points at ${where}, which holds ${JSON.stringify(value)}, but ${param} needs ${describeValueKind(param)}; bind it to a matching input.`,
      );
    } else {
      const previous = bindings[param];
      if (previous && formatBinding(previous) !== path) {
        logger.info(
          { workflow: name, param, detected: formatBinding(previous), configured: path },
          "binding overridden",
        );
      }
      bindings[param] = binding;
    }
  }

  const seen = new Map<string, BindingName>();
  for (const param of bindingNames) {
    const binding = bindings[param];
    if (!binding) continue;
    const key = formatBinding(binding);
    const other = seen.get(key);
    if (other) {
      problems.push({
        workflow: name,
        code: "binding_conflict",
        nodeId: binding.nodeId,
        message: `Workflow "${name}": ${other} and ${param} both go to ${key}; bind one of them elsewhere in "bindings".`,
      });
    }
    seen.set(key, param);
  }

  // A workflow that starts from a picture may take no prompt (an upscale): the picture is its input.
  if (!bindings.prompt && !bindings.image && !failed.has("prompt")) {
    problems.push({
      workflow: name,
      code: "prompt_not_found",
      message: `Workflow "${name}": could not find where the prompt goes (no sampler with a positive text encoder). Nodes seen: ${listNodes(graph)}. Set bindings.prompt to "<nodeId>.inputs.<input>" of your positive text node, for example "6.inputs.text".`,
    });
  }
  return bindings;
}

/** Writes the config's `defaults` into the graph, so validation sees the values jobs will use. */
function applyDefaults(config: WorkflowConfig, graph: ApiPrompt, bindings: Bindings, logger: Logger): void {
  for (const [param, value] of Object.entries(config.defaults ?? {}) as [BindingName, string | number][]) {
    const binding = bindings[param];
    if (!binding) {
      logger.warn(
        { workflow: config.name, param },
        `defaults.${param} is ignored: the workflow does not bind ${param}, so it is not offered`,
      );
      continue;
    }
    graph[binding.nodeId]!.inputs[binding.input] = value;
  }
}
