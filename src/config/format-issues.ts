import type { z } from "zod";

/** A value as an operator would write it, short enough for one line. */
function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Levenshtein distance, to suggest the key an operator probably meant. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

function suggestion(key: string, known: readonly string[]): string {
  const best = known
    .map((candidate) => ({ candidate, score: distance(key.toLowerCase(), candidate.toLowerCase()) }))
    .sort((a, b) => a.score - b.score)[0];
  return best && best.score <= Math.max(2, Math.floor(key.length / 3))
    ? ` (did you mean "${best.candidate}"?)`
    : "";
}

export interface FormatContext {
  /** Keys allowed at a path, for "did you mean" on unknown keys. */
  knownKeys?: (path: readonly PropertyKey[]) => readonly string[];
  /** Prefix for every path, e.g. "" for the file, or nothing for env variables. */
  pathPrefix?: string;
}

/**
 * Turns zod issues into lines like `rateLimit.windowSeconds: expected a positive integer, got "ten"`.
 * Parse with `{ reportInput: true }` so each issue carries the offending value.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], context: FormatContext = {}): string[] {
  return issues.map((issue) => {
    const key = [context.pathPrefix, ...issue.path.map(String)].filter(Boolean).join(".") || "(top level)";
    if (issue.code === "unrecognized_keys") {
      const known = context.knownKeys?.(issue.path) ?? [];
      return issue.keys
        .map(
          (unknown) =>
            `${key === "(top level)" ? "" : `${key}: `}unknown key "${unknown}"${suggestion(unknown, known)}`,
        )
        .join("\n");
    }
    const input = "input" in issue ? issue.input : undefined;
    let message = issue.message;
    // zod's defaults read "Too small: expected number to be >0"; keep the "expected ..." part.
    message = message.replace(/^(Invalid input|Invalid option|Too small|Too big): (?=expected)/, "");
    return `${key}: ${message}, got ${show(input)}`;
  });
}
