import { z } from "zod";
import type { RoleGrant, SettingKey, SettingsLayer } from "./settings-schema.js";
import { settingsShape } from "./settings-schema.js";
import { buildSettingHelp, type SettingHelp } from "./setting-help.js";
import { parseTerm } from "./term-matcher.js";

export type ParsedSetting<K extends SettingKey = SettingKey> =
  { ok: true; key: K; value: NonNullable<SettingsLayer[K]> } | { ok: false; key: K; message: string };

function intBounds(key: SettingKey): { min: number; max: number } {
  const schema = settingsShape[key];
  if (!(schema instanceof z.ZodNumber)) throw new Error(`${key} is not a number setting`);
  // `positive()` is an exclusive bound of 0: probe the schema for the smallest accepted value.
  const low = schema.minValue ?? 1;
  const min = schema.safeParse(low).success ? low : low + 1;
  return { min, max: schema.maxValue ?? Number.MAX_SAFE_INTEGER };
}

/** One help entry per key, for autocomplete and `/settings show`. */
export const settingHelp: Readonly<Record<SettingKey, SettingHelp>> = buildSettingHelp(intBounds);

const TRUE_WORDS = new Set(["yes", "y", "on", "true", "1", "enable", "enabled"]);
const FALSE_WORDS = new Set(["no", "n", "off", "false", "0", "disable", "disabled"]);
const WIDTH_BY_HEIGHT = /^(\d+)\s*[x×*]\s*(\d+)$/i;
const MENTION = /^<(?:#|@&)(\d+)>$/;

type Reading = { ok: true; value: unknown } | { ok: false; detail?: string };

/**
 * Reads what a moderator typed for `key` and validates it with the settings schema. The
 * failure message names the key, the accepted format and what was typed, e.g.
 * `maxSteps: expected a whole number from 1 to 500, got "abc"`.
 */
export function parseSettingValue<K extends SettingKey>(key: K, text: string): ParsedSetting<K> {
  const help = settingHelp[key];
  const typed = text.trim();
  const fail = (detail?: string): ParsedSetting<K> => ({
    ok: false,
    key,
    message: `${key}: ${detail ?? `expected ${help.format}`}, got ${JSON.stringify(truncate(typed))}`,
  });
  if (help.kind === "terms") {
    for (const term of splitTerms(typed)) {
      const parsed = parseTerm(term);
      if (!parsed.ok) return { ok: false, key, message: `${key}: ${parsed.message}` };
    }
  }
  const reading = read(help.kind, key, typed);
  if (!reading.ok) return fail(reading.detail);
  const checked = settingsShape[key].safeParse(reading.value);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    // For grants the schema's message (which grant, which bound) says more than the format.
    const detail =
      help.kind === "roleGrants" && issue
        ? `${issue.path.join(".")}: ${issue.message} (expected ${help.format})`
        : undefined;
    return fail(detail);
  }
  return { ok: true, key, value: checked.data as NonNullable<SettingsLayer[K]> };
}

function read(kind: SettingHelp["kind"], key: SettingKey, typed: string): Reading {
  const lower = typed.toLowerCase();
  switch (kind) {
    case "boolean":
      if (TRUE_WORDS.has(lower)) return { ok: true, value: true };
      if (FALSE_WORDS.has(lower)) return { ok: true, value: false };
      return { ok: false };
    case "enum":
      return { ok: true, value: lower };
    case "int": {
      const product = key === "maxPixels" ? WIDTH_BY_HEIGHT.exec(typed) : null;
      if (product) return { ok: true, value: Number(product[1]) * Number(product[2]) };
      return /^\d+$/.test(typed) ? { ok: true, value: Number(typed) } : { ok: false };
    }
    case "text":
      return { ok: true, value: typed };
    case "list":
      if (lower === "all" || lower === "*") return { ok: true, value: [] };
      return nonEmpty(splitList(typed));
    case "terms":
      if (lower === "none") return { ok: true, value: [] };
      return nonEmpty(splitTerms(typed));
    case "channel":
      return { ok: true, value: MENTION.exec(typed)?.[1] ?? typed };
    case "roleGrants":
      return readRoleGrants(typed);
  }
}

// An empty list must be asked for by name ("all", "none"), never by a stray comma.
function nonEmpty(list: string[]): Reading {
  return list.length > 0 ? { ok: true, value: list } : { ok: false };
}

function splitList(typed: string): string[] {
  return [
    ...new Set(
      typed
        .split(",")
        .map((part) => part.trim())
        .filter(Boolean),
    ),
  ];
}

/**
 * Splits a comma-separated term list, keeping regex terms whole: a comma inside
 * `/a{1,3}/` belongs to the pattern.
 */
export function splitTerms(typed: string): string[] {
  const terms: string[] = [];
  let rest = typed.trim();
  while (rest.length > 0) {
    let piece: string;
    let after: string;
    // A regex ends at the first "/" that is followed by flags and then a comma or the end.
    const close = rest.startsWith("/") ? /\/([a-z]*)\s*(?:,|$)/g : undefined;
    if (close) close.lastIndex = 1;
    const found = close?.exec(rest);
    if (found) {
      piece = rest.slice(0, found.index + 1 + (found[1] ?? "").length);
      after = rest.slice(found.index + found[0].length);
    } else {
      const comma = rest.indexOf(",");
      piece = comma === -1 ? rest : rest.slice(0, comma);
      after = comma === -1 ? "" : rest.slice(comma + 1);
    }
    if (piece.trim()) terms.push(piece.trim());
    rest = after.trim();
  }
  return [...new Set(terms)];
}

const GRANT_KEYS = new Set(["jobsPerWindow", "maxQueuedPerUser"]);

function readRoleGrants(typed: string): Reading {
  if (typed.toLowerCase() === "none") return { ok: true, value: {} };
  const grants: Record<string, RoleGrant> = {};
  for (const entry of typed
    .split(/[;\n]+/)
    .map((part) => part.trim())
    .filter(Boolean)) {
    const colon = entry.indexOf(":");
    if (colon === -1) return { ok: false };
    const roleText = entry.slice(0, colon).trim();
    const roleId = MENTION.exec(roleText)?.[1] ?? roleText;
    if (!/^\d{17,20}$/.test(roleId)) {
      return {
        ok: false,
        detail: `"${roleText}" is not a role mention or id (a Discord id has 17 to 20 digits)`,
      };
    }
    const grant: Record<string, number | boolean> = {};
    for (const pair of entry
      .slice(colon + 1)
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean)) {
      const [name = "", value] = pair.split("=").map((part) => part.trim());
      if (name === "priority") {
        const word = (value ?? "yes").toLowerCase();
        if (!TRUE_WORDS.has(word) && !FALSE_WORDS.has(word)) return { ok: false };
        grant.priority = TRUE_WORDS.has(word);
      } else if (GRANT_KEYS.has(name) && value !== undefined && /^\d+$/.test(value)) {
        grant[name] = Number(value);
      } else {
        return { ok: false };
      }
    }
    if (Object.keys(grant).length === 0) return { ok: false };
    grants[roleId] = grant;
  }
  return { ok: true, value: grants };
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
