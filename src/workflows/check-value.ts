import type { InputDescription } from "../comfy/object-info.js";

export type ValueCheck =
  | { ok: true }
  | { ok: false; problem: "wrong_type"; expected: string }
  | { ok: false; problem: "below_min"; bound: number }
  | { ok: false; problem: "above_max"; bound: number }
  | { ok: false; problem: "not_in_list"; options: string[] };

/**
 * Checks a literal the way ComfyUI's own validation would (type, min/max, combo list), so a
 * bad value is caught before the prompt is queued. Steps are not enforced here because the
 * server does not enforce them either; `build` does for user-chosen sizes.
 */
export function checkValue(value: unknown, description: InputDescription): ValueCheck {
  switch (description.kind) {
    case "INT":
    case "FLOAT": {
      const whole = description.kind === "INT";
      if (typeof value !== "number" || !Number.isFinite(value) || (whole && !Number.isInteger(value))) {
        return { ok: false, problem: "wrong_type", expected: whole ? "a whole number" : "a number" };
      }
      if (description.min !== undefined && value < description.min) {
        return { ok: false, problem: "below_min", bound: description.min };
      }
      if (description.max !== undefined && value > description.max) {
        return { ok: false, problem: "above_max", bound: description.max };
      }
      return { ok: true };
    }
    case "STRING":
      return typeof value === "string"
        ? { ok: true }
        : { ok: false, problem: "wrong_type", expected: "text" };
    case "BOOLEAN":
      return typeof value === "boolean"
        ? { ok: true }
        : { ok: false, problem: "wrong_type", expected: "true or false" };
    case "COMBO":
      if (typeof value !== "string") return { ok: false, problem: "wrong_type", expected: "one of a list" };
      return description.options.includes(value)
        ? { ok: true }
        : { ok: false, problem: "not_in_list", options: description.options };
    case "LINK":
      return { ok: false, problem: "wrong_type", expected: `a link from a node giving ${description.type}` };
  }
}

/** "a, b, c and 12 more" so a long model list does not flood a message. */
export function listSome(options: readonly string[], max = 8): string {
  if (options.length === 0) return "(none)";
  const shown = options.slice(0, max).join(", ");
  return options.length > max ? `${shown} and ${options.length - max} more` : shown;
}
