/** What went wrong in an operator task; the CLI prints the message, code lets callers branch. */
export type OpsErrorCode =
  | "listen_failed"
  | "source_missing"
  | "destination_exists"
  | "backup_failed"
  | "invalid_backup"
  | "database_in_use"
  | "restore_failed";

/** The one error type of src/ops: I/O failures of the health server, backups and restores. */
export class OpsError extends Error {
  override readonly name = "OpsError";
  readonly code: OpsErrorCode;

  constructor(code: OpsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
