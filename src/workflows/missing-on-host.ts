import type { BindingName } from "../request/param-table.js";
import { listSome } from "./check-value.js";
import type { WorkflowProblemCode } from "./workflow-problem.js";

interface ModelInput {
  input: string;
  /** Only on these classes (`model_name` is a common input name). */
  classes?: readonly string[];
  what: string;
  /** The folder under ComfyUI's `models/`. */
  folder: string;
  param?: BindingName;
}

/** Model files a loader names, and where they live. */
const modelInputs: readonly ModelInput[] = [
  { input: "ckpt_name", what: "model", folder: "checkpoints", param: "model" },
  { input: "unet_name", what: "model", folder: "diffusion_models", param: "model" },
  { input: "lora_name", what: "LoRA", folder: "loras", param: "lora" },
  { input: "model_name", classes: ["UpscaleModelLoader"], what: "upscale model", folder: "upscale_models" },
];

/** Classes ComfyUI ships whose absence means a broken install, not a missing custom node. */
const stockButOptional: Record<string, string> = {
  UpscaleModelLoader: "upscale-model",
  ImageUpscaleWithModel: "upscale-model",
};

/**
 * The sentence (after "Workflow "x": ") for a value the host's combo list lacks: a model file
 * (checkpoint, LoRA, upscale model) is "not installed on host", with the folder to put it in;
 * anything else is a value the host does not offer.
 */
export function notInListProblem(args: {
  classType: string;
  input: string;
  value: unknown;
  options: readonly string[];
  node: string;
  host: string;
  /** The binding that sets this input, if any: its default is the fix. */
  param: BindingName | undefined;
}): { code: WorkflowProblemCode; text: string } {
  const shown = JSON.stringify(args.value);
  const model =
    modelInputs.find(
      (entry) => entry.input === args.input && (entry.classes?.includes(args.classType) ?? true),
    ) ?? (args.param === "model" ? modelInputs[0] : undefined);
  if (model) {
    const fix = model.param
      ? `or set defaults.${model.param} to one of: ${listSome(args.options)}`
      : model.folder === "upscale_models"
        ? `or give this host the model-free upscale workflow (ImageScaleBy); it has: ${listSome(args.options)}`
        : `or change it in the workflow file; it has: ${listSome(args.options)}`;
    return {
      code: "model_missing",
      text: `${model.what} ${shown} in ${args.node} is not installed on host ${args.host}; put the file in that ComfyUI's models/${model.folder} folder ${fix}.`,
    };
  }
  const fix = args.param ? `set defaults.${args.param} in the config` : "fix it in the workflow file";
  return {
    code: "value_not_in_list",
    text: `${args.node} input "${args.input}" is ${shown}, which host ${args.host} does not offer (it has: ${listSome(args.options)}); ${fix}.`,
  };
}

/** The sentence for a node class the host lacks. */
export function classMissingText(classType: string, nodeId: string, host: string): string {
  const family = stockButOptional[classType];
  if (family !== undefined) {
    return `node ${nodeId} uses "${classType}", which host ${host} does not offer: its ComfyUI could not load the ${family} nodes (they need the spandrel package: install ComfyUI's requirements there and restart it), or give this host the model-free upscale workflow (ImageScaleBy).`;
  }
  return `node ${nodeId} uses "${classType}", a custom node that is not installed on host ${host}; install it there (for example with ComfyUI-Manager) and restart ComfyUI, or remove the node.`;
}
