import { checkLiteral, issue } from "./literal-check.js";
import type { CustomValidation, InputSpec, NodeCatalog } from "./node-catalog.js";
import { pythonStr } from "./python-values.js";

export interface PromptNode {
  class_type: string;
  inputs: Record<string, unknown>;
}
export type PromptGraph = Record<string, PromptNode>;

export interface ValidationIssue {
  type: string;
  message: string;
  details: string;
  extra_info: Record<string, unknown>;
}
export interface NodeErrorEntry {
  errors: ValidationIssue[];
  dependent_outputs: string[];
  class_type: string;
}
export type NodeErrors = Record<string, NodeErrorEntry>;

export type ValidationResult =
  | { ok: true; prompt: PromptGraph; outputs: string[]; nodeErrors: NodeErrors }
  | { ok: false; error: ValidationIssue; nodeErrors: NodeErrors };

interface Verdict {
  valid: boolean;
  errors: ValidationIssue[];
}

/** Python's KeyError when a link names a node the prompt lacks; ComfyUI reports it as an exception. */
class MissingNodeError extends Error {
  constructor(readonly nodeId: string) {
    super(`'${nodeId}'`);
  }
}

const missingNodeTraceback = [
  '  File "COMFYUI_ROOT/execution.py", line 1010, in validate_prompt\n    m = await validate_inputs(prompt_id, prompt, o, validated)\n        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n',
  "  File \"COMFYUI_ROOT/execution.py\", line 788, in validate_inputs\n    o_class_type = prompt[o_id]['class_type']\n                   ~~~~~~^^^^^^\n",
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** ComfyUI's `validate_node_input`: equal types, `*`, or a comma-separated union that covers the received type. */
function typesMatch(received: string, expected: unknown): boolean {
  const want = Array.isArray(expected) ? "COMBO" : String(expected);
  if (received === want || received === "*" || want === "*") return true;
  const receivedSet = received.split(",").map((t) => t.trim());
  const wantSet = new Set(want.split(",").map((t) => t.trim()));
  return receivedSet.every((t) => wantSet.has(t));
}

/** Validates a prompt the way ComfyUI 0.3.64's `validate_prompt` does, error shapes included. */
export function validatePrompt(raw: unknown, catalog: NodeCatalog): ValidationResult {
  const prompt: Record<string, unknown> = isRecord(raw) ? raw : {};
  for (const [id, node] of Object.entries(prompt)) {
    if (!isRecord(node) || typeof node["class_type"] !== "string") {
      return {
        ok: false,
        error: issue(
          "invalid_prompt",
          "Cannot execute because a node is missing the class_type property.",
          `Node ID '#${id}'`,
        ),
        nodeErrors: {},
      };
    }
    if (!catalog.has(node["class_type"])) {
      return {
        ok: false,
        error: issue(
          "invalid_prompt",
          `Cannot execute because node ${node["class_type"]} does not exist.`,
          `Node ID '#${id}'`,
        ),
        nodeErrors: {},
      };
    }
    if (!isRecord(node["inputs"])) node["inputs"] = {};
  }
  const graph = prompt as PromptGraph;
  const outputs = Object.keys(graph).filter(
    (id) => catalog.spec(graph[id]?.class_type ?? "")?.output_node === true,
  );
  if (outputs.length === 0) {
    return { ok: false, error: issue("prompt_no_outputs", "Prompt has no outputs", ""), nodeErrors: {} };
  }

  const validated = new Map<string, Verdict>();
  const good: string[] = [];
  const outputErrors: ValidationIssue[] = [];
  const nodeErrors: NodeErrors = {};
  for (const output of outputs) {
    let verdict: Verdict;
    try {
      verdict = validateNode(output, graph, catalog, validated);
    } catch (error) {
      if (!(error instanceof MissingNodeError)) throw error;
      verdict = {
        valid: false,
        errors: [
          issue("exception_during_validation", "Exception when validating node", error.message, {
            exception_type: "KeyError",
            traceback: missingNodeTraceback,
          }),
        ],
      };
      validated.set(output, verdict);
    }
    if (verdict.valid) {
      good.push(output);
      continue;
    }
    outputErrors.push(...verdict.errors);
    // Like ComfyUI, every failed node seen so far is charged to this output, related or not.
    for (const [nodeId, result] of validated) {
      if (result.valid || result.errors.length === 0) continue;
      const entry = (nodeErrors[nodeId] ??= {
        errors: result.errors,
        dependent_outputs: [],
        class_type: graph[nodeId]?.class_type ?? "",
      });
      entry.dependent_outputs.push(output);
    }
  }
  if (good.length === 0) {
    const details = outputErrors.map((e) => `${e.message}: ${e.details}`).join("\n");
    return {
      ok: false,
      error: issue("prompt_outputs_failed_validation", "Prompt outputs failed validation", details),
      nodeErrors,
    };
  }
  return { ok: true, prompt: graph, outputs: good, nodeErrors };
}

function validateNode(
  id: string,
  graph: PromptGraph,
  catalog: NodeCatalog,
  validated: Map<string, Verdict>,
): Verdict {
  const known = validated.get(id);
  if (known !== undefined) return known;
  const node = graph[id];
  if (node === undefined) throw new MissingNodeError(id);
  const spec = catalog.spec(node.class_type);
  const custom = catalog.customValidation(node.class_type);
  const errors: ValidationIssue[] = [];
  let valid = true;
  const sections: Array<["required" | "optional", Record<string, InputSpec>]> = [
    ["required", spec?.input.required ?? {}],
    ["optional", spec?.input.optional ?? {}],
  ];
  for (const [category, inputs] of sections) {
    for (const [name, info] of Object.entries(inputs)) {
      if (!Object.hasOwn(node.inputs, name)) {
        if (category === "required") {
          errors.push(
            issue("required_input_missing", "Required input is missing", name, { input_name: name }),
          );
        }
        continue;
      }
      const value = node.inputs[name];
      const inputType = info[0];
      const extra = info[1] ?? {};
      if (Array.isArray(value)) {
        if (value.length !== 2) {
          errors.push(
            issue(
              "bad_linked_input",
              "Bad linked input, must be a length-2 list of [node_id, slot_index]",
              name,
              {
                input_name: name,
                input_config: info,
                received_value: value,
              },
            ),
          );
          continue;
        }
        const sourceId = String(value[0]);
        const source = graph[sourceId];
        if (source === undefined) throw new MissingNodeError(sourceId);
        const receivedType = catalog.spec(source.class_type)?.output[Number(value[1])] ?? "*";
        if (!typesMatch(receivedType, inputType)) {
          const details = `${name}, received_type(${receivedType}) mismatch input_type(${pythonStr(inputType)})`;
          errors.push(
            issue("return_type_mismatch", "Return type mismatch between linked nodes", details, {
              input_name: name,
              input_config: info,
              received_type: receivedType,
              linked_node: value,
            }),
          );
          continue;
        }
        try {
          if (!validateNode(sourceId, graph, catalog, validated).valid) valid = false;
        } catch (error) {
          if (!(error instanceof MissingNodeError)) throw error;
          valid = false;
          validated.set(sourceId, {
            valid: false,
            errors: [
              issue(
                "exception_during_inner_validation",
                "Exception when validating inner node",
                error.message,
                {
                  input_name: name,
                  input_config: info,
                  exception_message: error.message,
                  exception_type: "KeyError",
                  traceback: missingNodeTraceback,
                  linked_node: value,
                },
              ),
            ],
          });
        }
        continue;
      }
      // An input the class's VALIDATE_INPUTS takes skips the list check (LoadImage's image need
      // not be listed: files in subfolders or `[output]` are not).
      if (custom?.inputs.includes(name)) continue;
      const problem = checkLiteral(name, value, info, inputType, extra, node.inputs);
      if (problem !== undefined) errors.push(problem);
    }
  }
  if (custom !== undefined) errors.push(...customErrors(custom, node.inputs));
  const verdict: Verdict = { valid: valid && errors.length === 0, errors };
  validated.set(id, verdict);
  return verdict;
}

/**
 * What VALIDATE_INPUTS says, after the other checks: `details` is the input and ComfyUI's text.
 * It runs only when its inputs are literals; a missing one is already `required_input_missing`
 * (ComfyUI would also call it without the argument and raise).
 */
function customErrors(custom: CustomValidation, inputs: Record<string, unknown>): ValidationIssue[] {
  const values: Record<string, unknown> = {};
  for (const name of custom.inputs) {
    const value = inputs[name];
    if (value === undefined || Array.isArray(value)) return [];
    values[name] = value;
  }
  const verdict = custom.check(values);
  if (verdict === true) return [];
  return custom.inputs.map((name) =>
    issue("custom_validation_failed", "Custom validation failed for node", `${name} - ${verdict}`, {
      input_name: name,
    }),
  );
}
