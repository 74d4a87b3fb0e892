import { maskSecrets } from "./mask-secrets.js";

/**
 * pino's `err` serializer. pino's default copies every enumerable property of an error, and the
 * errors we meet carry far too much: discord.js's `DiscordAPIError` holds the request it failed
 * on (`url` with the interaction token in its path, `requestBody.json` with the member's prompt,
 * `requestBody.files` with the image bytes, written out as a JSON array of numbers: one failed
 * edit made a 401 kB line), undici's `ResponseError` holds the response body and headers.
 *
 * So fields are kept by name, not dropped by name: a new library field cannot leak by default.
 * Kept are what says what failed and where (type, name, message, code, status, method, the URL
 * with its secrets masked, the stack) and the cause chain, each link serialized the same way.
 * Every string is masked (see mask-secrets.ts) and cut to a bounded length.
 */
export interface SerializedError {
  type: string;
  message: string;
  name?: string;
  stack?: string;
  cause?: unknown;
  errors?: unknown[];
  [field: string]: unknown;
}

/** Small, scalar fields worth keeping when an error has them (Node, undici, discord.js, ComfyError). */
const scalarFields = [
  "code",
  "status",
  "statusCode",
  "method",
  "url",
  "route",
  "errno",
  "syscall",
  "address",
  "port",
  "retryAfter",
  "global",
  "scope",
  "timeout",
  "backendId",
  "promptId",
] as const;

const maxDepth = 5;
const maxMessage = 1000;
const maxStack = 4000;
const maxScalar = 500;
const maxAggregated = 5;

export function serializeError(value: unknown): unknown {
  return serialize(value, 0, new Set());
}

function serialize(value: unknown, depth: number, seen: Set<object>): unknown {
  if (typeof value === "string") return text(value, maxMessage);
  if (typeof value !== "object" || value === null) return value;
  if (seen.has(value)) return "[circular]";
  if (depth > maxDepth) return "[cause chain too deep]";
  seen.add(value);
  const fields = value as Record<string, unknown>;
  const out: SerializedError = {
    type: value.constructor?.name ?? "Object",
    message: text(typeof fields["message"] === "string" ? fields["message"] : "", maxMessage),
  };
  const name = fields["name"];
  if (typeof name === "string" && name !== out.type) out.name = text(name, maxScalar);
  for (const field of scalarFields) {
    const scalar = fields[field];
    if (typeof scalar === "string") out[field] = text(scalar, maxScalar);
    else if (typeof scalar === "number" || typeof scalar === "boolean") out[field] = scalar;
  }
  if (typeof fields["stack"] === "string") out.stack = text(fields["stack"], maxStack);
  if (fields["cause"] !== undefined) out.cause = serialize(fields["cause"], depth + 1, seen);
  const errors = fields["errors"];
  if (value instanceof AggregateError && Array.isArray(errors)) {
    out.errors = errors.slice(0, maxAggregated).map((inner) => serialize(inner, depth + 1, seen));
  }
  return out;
}

// Longer than any token or URL: a secret that starts before the cut is still whole when masked.
const maskMargin = 2000;

function text(value: string, limit: number): string {
  // Masking after the final cut could leave the start of a token unmasked at the edge, and
  // masking a whole multi-megabyte message is wasted work: cut wide, mask, then cut.
  const masked = maskSecrets(value.length > limit + maskMargin ? value.slice(0, limit + maskMargin) : value);
  return masked.length > limit ? `${masked.slice(0, limit)}… (${value.length} characters in all)` : masked;
}
