import { ceilingRefusal } from "./ceilings.js";
import { parseSettingValue } from "./parse-setting-value.js";
import type { SettingsRepository, SettingsScope } from "./settings-repository.js";
import type { RoleGrant, SettingKey, SettingsLayer } from "./settings-schema.js";
import { settingsShape } from "./settings-schema.js";
import { parseTerm } from "./term-matcher.js";

export type SettingAction = "set" | "reset" | "ban-term" | "unban-term";

/** One applied change, for the caller's log line and the mod-log post. */
export interface SettingChange {
  action: SettingAction;
  scope: SettingsScope;
  key: SettingKey;
  /** The scope's own value before and after; `undefined` means "inherited". */
  before: unknown;
  after: unknown;
  /** e.g. `maxSteps (channel <#123>): 50 → 40`. */
  summary: string;
}

export type EditResult = { ok: true; change: SettingChange } | { ok: false; message: string };

/** `/settings set key value` at a scope: parses, validates, stores. */
export async function setSetting(
  repository: SettingsRepository,
  scope: SettingsScope,
  key: SettingKey,
  text: string,
): Promise<EditResult> {
  const parsed = parseSettingValue(key, text);
  if (!parsed.ok) return { ok: false, message: parsed.message };
  // Moderators may lower a limit, never raise it past the operator's ceiling.
  const refusal = ceilingRefusal(key, parsed.value, repository.ceilings);
  if (refusal !== undefined) return { ok: false, message: refusal };
  const { before, after } = await repository.update(scope, (layer) => ({ ...layer, [key]: parsed.value }));
  return { ok: true, change: describeChange("set", scope, key, before[key], after[key]) };
}

/** Removes the scope's own value, so the key inherits again. */
export async function resetSetting(
  repository: SettingsRepository,
  scope: SettingsScope,
  key: SettingKey,
): Promise<EditResult> {
  const { before, after } = await repository.update(scope, (layer) => {
    const next: SettingsLayer = { ...layer };
    delete next[key];
    return next;
  });
  return { ok: true, change: describeChange("reset", scope, key, before[key], after[key]) };
}

/** Adds one term to the scope's banned list; regexes are checked before they are stored. */
export async function banTerm(
  repository: SettingsRepository,
  scope: SettingsScope,
  term: string,
): Promise<EditResult> {
  const parsed = parseTerm(term);
  if (!parsed.ok) return { ok: false, message: `bannedTerms: ${parsed.message}` };
  const source = parsed.term.source;
  const checked = settingsShape.bannedTerms.element.safeParse(source);
  if (!checked.success) return { ok: false, message: "bannedTerms: a term is at most 200 characters" };
  // Checked inside the update, so two moderators adding terms at once see each other's.
  let refusal: string | undefined;
  const { before, after } = await repository.update(scope, (layer) => {
    const current = layer.bannedTerms ?? [];
    if (current.includes(source)) refusal = `bannedTerms: "${source}" is already banned here`;
    else if (current.length >= 500) refusal = "bannedTerms: a list holds at most 500 terms";
    return refusal === undefined ? { ...layer, bannedTerms: [...current, source] } : layer;
  });
  if (refusal !== undefined) return { ok: false, message: refusal };
  return {
    ok: true,
    change: describeChange("ban-term", scope, "bannedTerms", before.bannedTerms, after.bannedTerms),
  };
}

/**
 * Removes one term from the scope's banned list. Lists add up across levels, so a term
 * banned at the server level cannot be lifted for one channel; the message says so.
 */
export async function unbanTerm(
  repository: SettingsRepository,
  scope: SettingsScope,
  term: string,
): Promise<EditResult> {
  const source = term.trim();
  let found = false;
  const { before, after } = await repository.update(scope, (layer) => {
    const current = layer.bannedTerms ?? [];
    found = current.includes(source);
    if (!found) return layer;
    const next: SettingsLayer = { ...layer, bannedTerms: current.filter((existing) => existing !== source) };
    if (next.bannedTerms?.length === 0) delete next.bannedTerms;
    return next;
  });
  if (!found) {
    const server =
      scope.kind === "channel" ? await repository.getLayer({ kind: "server", guildId: scope.guildId }) : {};
    const elsewhere =
      server.bannedTerms?.includes(source) === true
        ? " (it is banned for the whole server: unban it there)"
        : repository.botDefaults.bannedTerms.includes(source)
          ? " (it is banned in the bot's config file)"
          : "";
    return { ok: false, message: `bannedTerms: "${source}" is not banned at this level${elsewhere}` };
  }
  return {
    ok: true,
    change: describeChange("unban-term", scope, "bannedTerms", before.bannedTerms, after.bannedTerms),
  };
}

function describeChange(
  action: SettingAction,
  scope: SettingsScope,
  key: SettingKey,
  before: unknown,
  after: unknown,
): SettingChange {
  const where = scope.kind === "server" ? "server" : `channel <#${scope.channelId}>`;
  const summary = `${key} (${where}): ${formatSettingValue(key, before)} → ${formatSettingValue(key, after)}`;
  return { action, scope, key, before, after, summary };
}

/** A stored value in the words `/settings show` uses. */
export function formatSettingValue(key: SettingKey, value: unknown): string {
  // Ban lists add up rather than inherit, so an absent list is simply empty.
  if (value === undefined) return key === "bannedTerms" ? "(none)" : "(inherited)";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (Array.isArray(value)) {
    if (value.length > 0) return value.join(", ");
    return key === "workflows" || key === "models" || key === "styles" ? "all" : "(none)";
  }
  if (key === "modLogChannel" && typeof value === "string") return `<#${value}>`;
  if (key === "roleGrants" && typeof value === "object" && value !== null) {
    const grants = Object.entries(value as Record<string, RoleGrant>);
    if (grants.length === 0) return "(none)";
    return grants.map(([roleId, grant]) => `<@&${roleId}> ${formatGrant(grant)}`).join("; ");
  }
  if (typeof value === "string") return value === "" ? '""' : value;
  return JSON.stringify(value);
}

function formatGrant(grant: RoleGrant): string {
  const parts: string[] = [];
  if (grant.jobsPerWindow !== undefined) parts.push(`jobsPerWindow=${grant.jobsPerWindow}`);
  if (grant.maxQueuedPerUser !== undefined) parts.push(`maxQueuedPerUser=${grant.maxQueuedPerUser}`);
  if (grant.priority !== undefined) parts.push(grant.priority ? "priority" : "priority=no");
  return parts.join(",") || "(nothing)";
}
