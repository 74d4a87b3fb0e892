/**
 * A start-up failure an operator fixes (Discord refused the token, Discord cannot be reached):
 * its message is one line saying what is wrong and what to do, printed without a stack trace.
 * Anything that is not one of these is a bug, and keeps its stack.
 */
export class StartupError extends Error {
  override readonly name = "StartupError";
}
