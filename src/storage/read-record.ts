import type { z } from "zod";

export type RecordRead<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * A stored record's text read back through its schema. Never throws: a record that is not JSON
 * or no longer matches (a hand-edited file, a downgrade, a bug) comes back as a reason, which the
 * store logs before treating the record as absent or setting it aside.
 */
export function readRecord<T>(schema: z.ZodType<T>, text: string): RecordRead<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON (${(error as Error).message})` };
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(record)"}: ${issue.message}`);
  return { ok: false, reason: `does not match its schema (${issues.join("; ")})` };
}
