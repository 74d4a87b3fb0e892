/**
 * Python's conversions and reprs as ComfyUI's validator applies them, so error texts match the real
 * server's (`invalid literal for int() with base 10: 'abc'`, `not in ['a', 'b']`).
 */
export class PythonValueError extends Error {}

function pythonTypeName(value: unknown): string {
  if (value === null) return "NoneType";
  if (Array.isArray(value)) return "list";
  if (typeof value === "object") return "dict";
  if (typeof value === "string") return "str";
  if (typeof value === "boolean") return "bool";
  return typeof value === "number" ? (Number.isInteger(value) ? "int" : "float") : typeof value;
}

export function pythonInt(value: unknown): number {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new PythonValueError(
        Number.isNaN(value)
          ? "cannot convert float NaN to integer"
          : "cannot convert float infinity to integer",
      );
    }
    return Math.trunc(value);
  }
  if (typeof value === "string") {
    const trimmed = value.trim();
    if (/^[+-]?\d+(_\d+)*$/.test(trimmed)) return Number(trimmed.replaceAll("_", ""));
    throw new PythonValueError(`invalid literal for int() with base 10: ${pythonRepr(value)}`);
  }
  throw new PythonValueError(
    `int() argument must be a string, a bytes-like object or a real number, not '${pythonTypeName(value)}'`,
  );
}

export function pythonFloat(value: unknown): number {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number") return value;
  if (typeof value === "string") {
    const trimmed = value.trim().toLowerCase();
    if (/^[+-]?(inf|infinity)$/.test(trimmed)) return trimmed.startsWith("-") ? -Infinity : Infinity;
    if (/^[+-]?nan$/.test(trimmed)) return Number.NaN;
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(trimmed)) return Number(trimmed);
    throw new PythonValueError(`could not convert string to float: ${pythonRepr(value)}`);
  }
  throw new PythonValueError(
    `float() argument must be a string or a real number, not '${pythonTypeName(value)}'`,
  );
}

export function pythonStr(value: unknown): string {
  return typeof value === "string" ? value : pythonRepr(value);
}

export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return String(value);
  if (typeof value === "string")
    return value.includes("'") && !value.includes('"') ? `"${value}"` : `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`).join(", ")}}`;
  }
  return typeof value === "bigint" ? value.toString() : typeof value;
}

/** Python's truthiness, for BOOLEAN inputs. */
export function pythonBool(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === "object") return Object.keys(value).length > 0;
  return Boolean(value);
}
