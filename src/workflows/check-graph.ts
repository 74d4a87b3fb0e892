import { asLink, describeNode, type ApiPrompt } from "./api-prompt.js";
import type { WorkflowProblem } from "./workflow-problem.js";

/**
 * Stock classes that never save anything. A graph made only of these surely has no output
 * node; anything else (a custom node) may be one, which only a backend's `/object_info` can tell.
 */
const stockNonOutputClasses = new Set([
  "CheckpointLoaderSimple",
  "CheckpointLoader",
  "UNETLoader",
  "CLIPLoader",
  "DualCLIPLoader",
  "VAELoader",
  "LoraLoader",
  "CLIPSetLastLayer",
  "CLIPTextEncode",
  "CLIPTextEncodeSDXL",
  "ConditioningCombine",
  "EmptyLatentImage",
  "EmptySD3LatentImage",
  "LatentUpscale",
  "KSampler",
  "KSamplerAdvanced",
  "SamplerCustom",
  "SamplerCustomAdvanced",
  "RandomNoise",
  "BasicScheduler",
  "KSamplerSelect",
  "CFGGuider",
  "VAEDecode",
  "VAEEncode",
  "LoadImage",
  "ImageScale",
]);

/** Problems visible in the graph alone: dangling links and a graph that cannot save anything. */
export function checkGraph(workflow: string, prompt: ApiPrompt): WorkflowProblem[] {
  const problems: WorkflowProblem[] = [];
  for (const [nodeId, node] of Object.entries(prompt)) {
    for (const [input, value] of Object.entries(node.inputs)) {
      const link = asLink(value);
      if (!link) continue;
      const where = `${describeNode(prompt, nodeId)} input "${input}"`;
      if (!prompt[link.nodeId]) {
        problems.push({
          workflow,
          code: "link_missing_node",
          nodeId,
          classType: node.class_type,
          message: `Workflow "${workflow}": ${where} is linked to node ${link.nodeId}, which is not in the file; re-export the workflow with "Export (API)".`,
        });
      } else if (!Number.isInteger(link.index) || link.index < 0) {
        problems.push({
          workflow,
          code: "link_bad_output",
          nodeId,
          classType: node.class_type,
          message: `Workflow "${workflow}": ${where} is linked to output ${link.index} of node ${link.nodeId}, which is not a valid output index; re-export the workflow with "Export (API)".`,
        });
      }
    }
  }
  const classes = Object.values(prompt).map((node) => node.class_type);
  if (classes.every((classType) => stockNonOutputClasses.has(classType))) {
    problems.push({
      workflow,
      code: "no_output_node",
      message: `Workflow "${workflow}" has no output node, so ComfyUI would refuse it ("prompt has no outputs"); add a Save Image node fed by the VAE Decode and export again.`,
    });
  }
  return problems;
}

/** "3 KSampler, 4 CheckpointLoaderSimple, …" for messages that list what the bot saw. */
export function listNodes(prompt: ApiPrompt, max = 40): string {
  const entries = Object.entries(prompt).map(([id, node]) => `${id} ${node.class_type}`);
  const shown = entries.slice(0, max).join(", ");
  return entries.length > max ? `${shown} and ${entries.length - max} more` : shown;
}
