/**
 * Something wrong with a configured workflow, found at load time or against one backend's
 * `/object_info`. `message` is a full sentence for the operator: it names the workflow, the node
 * and the fix, so `doctor` and the start-up log can print it as is.
 */
export interface WorkflowProblem {
  workflow: string;
  code: WorkflowProblemCode;
  message: string;
  nodeId?: string;
  classType?: string;
  /** Set by `validateAgainstBackend`: the problem holds on this host only. */
  host?: string;
}

export type WorkflowProblemCode =
  | "duplicate_name"
  | "file_missing"
  | "file_unreadable"
  | "not_json"
  | "ui_format"
  | "not_api_format"
  | "no_output_node"
  | "link_missing_node"
  | "link_bad_output"
  | "link_type_mismatch"
  | "binding_missing_node"
  | "binding_missing_input"
  | "binding_linked"
  | "binding_type_mismatch"
  | "binding_conflict"
  | "prompt_not_found"
  | "model_not_allowed"
  | "class_missing"
  | "required_input_missing"
  | "value_out_of_range"
  | "value_not_in_list"
  | "value_wrong_type"
  | "model_missing";
