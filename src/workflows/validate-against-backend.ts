import { isDefaultable, paramBoundTo, type BindingName } from "../request/param-table.js";
import { describeInput, findInput, type InputDescription, type ObjectInfo } from "../comfy/object-info.js";
import { asLink, describeNode, type ApiPrompt, type Link } from "./api-prompt.js";
import { acceptedInputKinds, type Binding } from "./binding.js";
import { checkValue } from "./check-value.js";
import { classMissingText, notInListProblem } from "./missing-on-host.js";
import type { WorkflowTemplate } from "./workflow-template.js";
import type { WorkflowProblem, WorkflowProblemCode } from "./workflow-problem.js";

/**
 * Everything that would make this backend refuse or fail the workflow: missing node classes
 * (custom nodes), missing required inputs, links to wrong outputs, values out of range or not in
 * a combo (a checkpoint that is not installed), bindings to inputs the class lacks, no output node.
 * An empty list means the host can run it; the bot routes each workflow to such hosts only.
 */
export function validateAgainstBackend(
  template: WorkflowTemplate,
  objectInfo: ObjectInfo,
  hostLabel: string,
): WorkflowProblem[] {
  const workflow = template.name;
  const graph = template.graph();
  const problems: WorkflowProblem[] = [];
  const boundParam = new Map<string, BindingName>();
  for (const param of template.offered) {
    const binding = template.bindings[param]!;
    boundParam.set(`${binding.nodeId}/${binding.input}`, param);
  }
  const add = (code: WorkflowProblemCode, nodeId: string | undefined, message: string): void => {
    const classType = nodeId !== undefined ? graph[nodeId]?.class_type : undefined;
    problems.push({
      workflow,
      code,
      host: hostLabel,
      message: `Workflow "${workflow}": ${message}`,
      ...(nodeId !== undefined && { nodeId }),
      ...(classType !== undefined && { classType }),
    });
  };

  let hasOutput = false;
  for (const [nodeId, node] of Object.entries(graph)) {
    const spec = objectInfo[node.class_type];
    const name = describeNode(graph, nodeId);
    if (!spec) {
      add("class_missing", nodeId, classMissingText(node.class_type, nodeId, hostLabel));
      continue;
    }
    hasOutput ||= spec.output_node;
    for (const input of Object.keys(spec.input.required ?? {})) {
      if (node.inputs[input] === undefined) {
        add(
          "required_input_missing",
          nodeId,
          `${name} lacks the required input "${input}" on host ${hostLabel} (that ComfyUI may be newer than the export); open the workflow there and export it again with "Export (API)".`,
        );
      }
    }
    for (const [input, value] of Object.entries(node.inputs)) {
      const description = findInput(objectInfo, node.class_type, input);
      if (!description) continue; // ComfyUI ignores inputs a class does not declare.
      const where = `${name} input "${input}"`;
      const link = asLink(value);
      if (link) {
        const message = linkProblem(graph, objectInfo, link, description);
        if (message) add(message.code, nodeId, `${where} ${message.text} on host ${hostLabel}.`);
        continue;
      }
      const param = boundParam.get(`${nodeId}/${input}`);
      // The graph's file is a placeholder: each job uploads its own picture there.
      if (param === "image") continue;
      const fix = defaultsFix(param);
      const check = checkValue(value, description);
      if (check.ok) continue;
      const shown = JSON.stringify(value);
      switch (check.problem) {
        case "wrong_type":
          add(
            "value_wrong_type",
            nodeId,
            `${where} is ${shown}, but ${hostLabel} expects ${check.expected}; ${fix}.`,
          );
          break;
        case "below_min":
        case "above_max": {
          const side = check.problem === "below_min" ? "below the minimum" : "above the maximum";
          add(
            "value_out_of_range",
            nodeId,
            `${where} is ${shown}, ${side} of ${check.bound} on host ${hostLabel}; ${fix}.`,
          );
          break;
        }
        case "not_in_list": {
          const problem = notInListProblem({
            classType: node.class_type,
            input,
            value,
            options: check.options,
            node: name,
            host: hostLabel,
            param,
          });
          add(problem.code, nodeId, problem.text);
          break;
        }
      }
    }
  }

  for (const param of template.offered) {
    const binding = template.bindings[param]!;
    const message = bindingProblem(graph, objectInfo, param, binding);
    if (message) add(message.code, binding.nodeId, `bindings.${param} ${message.text} on host ${hostLabel}.`);
  }

  const allKnown = Object.values(graph).every((node) => objectInfo[node.class_type] !== undefined);
  if (!hasOutput && allKnown) {
    add(
      "no_output_node",
      undefined,
      `no node is an output node on host ${hostLabel}, so ComfyUI would refuse it ("prompt has no outputs"); add a Save Image node and export again.`,
    );
  }
  return problems;
}

/** The config key that changes a bound input's value, when `workflows[].defaults` has one. */
function defaultsFix(param: BindingName | undefined): string {
  const row = param === undefined ? undefined : paramBoundTo(param);
  return row && isDefaultable(row)
    ? `set defaults.${row.binding} in the config`
    : "fix it in the workflow file";
}

type Found = { code: WorkflowProblemCode; text: string } | undefined;

function linkProblem(graph: ApiPrompt, info: ObjectInfo, link: Link, expected: InputDescription): Found {
  const source = graph[link.nodeId];
  const sourceSpec = source && info[source.class_type];
  if (!source || !sourceSpec) return undefined; // reported as a dangling link or a missing class
  const output = sourceSpec.output[link.index];
  if (output === undefined) {
    return {
      code: "link_bad_output",
      text: `is linked to output ${link.index} of ${describeNode(graph, link.nodeId)}, which has only ${sourceSpec.output.length} outputs; re-export the workflow`,
    };
  }
  if (expected.kind !== "LINK" || typeof output !== "string") return undefined;
  const accepted = expected.type.split(",");
  if (output === "*" || accepted.includes("*") || accepted.includes(output)) return undefined;
  return {
    code: "link_type_mismatch",
    text: `expects ${expected.type} but is linked to ${describeNode(graph, link.nodeId)}, which gives ${output}; reconnect it in ComfyUI and export again`,
  };
}

function bindingProblem(graph: ApiPrompt, info: ObjectInfo, param: BindingName, binding: Binding): Found {
  const node = graph[binding.nodeId]!;
  const spec = info[node.class_type];
  if (!spec) return undefined;
  const raw = spec.input.required?.[binding.input] ?? spec.input.optional?.[binding.input];
  const where = `points at ${describeNode(graph, binding.nodeId)} input "${binding.input}"`;
  if (!raw) {
    return { code: "binding_missing_input", text: `${where}, which that class does not have` };
  }
  const kind = describeInput(raw).kind;
  const accepted = acceptedInputKinds(param);
  if (accepted.includes(kind)) return undefined;
  return {
    code: "binding_type_mismatch",
    text: `${where}, which is ${kind === "LINK" ? "a link input" : `a ${kind} input`}, but ${param} needs ${accepted.join(" or ")}; bind it to a matching input`,
  };
}
