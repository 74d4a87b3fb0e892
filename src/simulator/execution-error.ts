import { linkSource } from "./graph-plan.js";
import { NodeFailure } from "./node-behaviours.js";
import type { PromptNode } from "./prompt-validator.js";
import { pythonRepr } from "./python-values.js";

// Stand-ins for Python's traceback; clients should only display or log these.
const traceback = [
  '  File "COMFYUI_ROOT/execution.py", line 496, in execute\n    output_data, output_ui, has_subgraph, has_pending_tasks = await get_output_data(prompt_id, unique_id, obj, input_data_all, execution_block_cb=execution_block_cb, pre_execute_cb=pre_execute_cb, hidden_inputs=hidden_inputs)\n',
  '  File "COMFYUI_ROOT/execution.py", line 277, in process_inputs\n    result = f(**inputs)\n',
];

/** ComfyUI shows each input's repr; tensors become `tensor(...)` strings. */
function currentInputs(inputs: Record<string, unknown>): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(inputs)) {
    const repr = typeof value === "string" ? value : pythonRepr(value);
    result[name] = [linkSource(value) === undefined ? repr : "tensor(...)"];
  }
  return result;
}

/** The `execution_error` payload for a node that raised. */
export function executionErrorData(args: {
  promptId: string;
  nodeId: string;
  node: PromptNode;
  error: unknown;
  executed: string[];
  outputs: readonly string[];
  order: readonly string[];
  timestamp: number;
}): Record<string, unknown> {
  const failure =
    args.error instanceof NodeFailure ? args.error : new NodeFailure(String(args.error), "Exception");
  return {
    prompt_id: args.promptId,
    node_id: args.nodeId,
    node_type: args.node.class_type,
    executed: args.executed,
    exception_message: failure.message,
    exception_type: failure.exceptionType,
    traceback,
    current_inputs: currentInputs(args.node.inputs),
    // Every node the cache holds for this prompt: the outputs first, as the real server lists them.
    current_outputs: [...args.outputs, ...args.order.filter((o) => !args.outputs.includes(o))],
    timestamp: args.timestamp,
  };
}
