export type WorkflowErrorCode = "param_out_of_range" | "param_not_offered" | "bad_value";

/**
 * A job's parameters do not fit its workflow. `message` is written for the Discord user
 * ("steps 80 is above the maximum of 50 here"); `param` says which option to point at.
 */
export class WorkflowError extends Error {
  override readonly name = "WorkflowError";
  constructor(
    readonly code: WorkflowErrorCode,
    readonly param: string,
    message: string,
  ) {
    super(message);
  }
}
