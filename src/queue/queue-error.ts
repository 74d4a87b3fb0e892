/** `store_failed`: the job or its counter could not be written, so the job was not accepted. */
export type QueueErrorCode = "store_failed";

/** The queue's one error type: I/O failures only; decisions are return values. */
export class QueueError extends Error {
  override readonly name = "QueueError";
  readonly code: QueueErrorCode;

  constructor(code: QueueErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}
