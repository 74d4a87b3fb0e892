/** How one doctor line reads: ✓ passed, ✗ must be fixed, ⚠ works but worth fixing, – not checked. */
export type CheckStatus = "ok" | "fail" | "warn" | "skip";

const symbols: Record<CheckStatus, string> = { ok: "✓", fail: "✗", warn: "⚠", skip: "–" };
const colors: Record<CheckStatus, string> = { ok: "32", fail: "31", warn: "33", skip: "2" };

/**
 * Prints check results as they come (a slow host should not hide the lines before it) and counts
 * the failures for the exit code. Each ✗ or ⚠ carries indented `fix:` lines saying what to do.
 */
export class DoctorReport {
  readonly #out: (line: string) => void;
  readonly #color: boolean;
  #failures = 0;
  #warnings = 0;

  constructor(out: (line: string) => void, color = false) {
    this.#out = out;
    this.#color = color;
  }

  get failures(): number {
    return this.#failures;
  }

  get warnings(): number {
    return this.#warnings;
  }

  ok(text: string): void {
    this.#line("ok", text, []);
  }

  fail(text: string, fix: string | readonly string[]): void {
    this.#failures += 1;
    this.#line("fail", text, typeof fix === "string" ? [fix] : fix);
  }

  warn(text: string, fix: string | readonly string[]): void {
    this.#warnings += 1;
    this.#line("warn", text, typeof fix === "string" ? [fix] : fix);
  }

  /** A check that could not run or does not apply; `why` says which. */
  skip(text: string, why: string): void {
    this.#line("skip", `${text} (${why})`, []);
  }

  /** A plain indented remark under the previous line (not a problem). */
  note(text: string): void {
    this.#out(`    note: ${text}`);
  }

  #line(status: CheckStatus, text: string, fix: readonly string[]): void {
    const symbol = this.#color ? `\u001b[${colors[status]}m${symbols[status]}\u001b[0m` : symbols[status];
    this.#out(`${symbol} ${text}`);
    for (const line of fix) this.#out(`    fix: ${line}`);
  }
}
