/**
 * Everything wrong with the configuration, gathered so an operator fixes it in one go.
 * `main` prints `problems` one per line with no stack trace.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly problems: string[];

  constructor(problems: string[], source: string) {
    super(
      `${source} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n  - ${problems.join("\n  - ")}`,
    );
    this.problems = problems;
  }
}
