import type { SettingValues } from "./effective-settings.js";

export interface MemberLimits {
  jobsPerWindow: number;
  windowSeconds: number;
  maxQueuedPerUser: number;
  /** Served before members without a priority grant. */
  priority: boolean;
  /** Roles whose grants applied, for logs and `/settings show`. */
  grantedBy: string[];
}

/**
 * A member's rate limits from their roles. A grant replaces the channel's value for that
 * limit (so a grant may also lower it, e.g. for a "newcomer" role); when several of the
 * member's roles grant the same limit, the largest wins. Priority is granted by any role.
 */
export function memberLimits(settings: SettingValues, roleIds: Iterable<string>): MemberLimits {
  let jobsPerWindow: number | undefined;
  let maxQueuedPerUser: number | undefined;
  let priority = false;
  const grantedBy: string[] = [];
  for (const roleId of new Set(roleIds)) {
    const grant = Object.hasOwn(settings.roleGrants, roleId) ? settings.roleGrants[roleId] : undefined;
    if (!grant) continue;
    grantedBy.push(roleId);
    if (grant.jobsPerWindow !== undefined) jobsPerWindow = Math.max(jobsPerWindow ?? 0, grant.jobsPerWindow);
    if (grant.maxQueuedPerUser !== undefined) {
      maxQueuedPerUser = Math.max(maxQueuedPerUser ?? 0, grant.maxQueuedPerUser);
    }
    if (grant.priority === true) priority = true;
  }
  return {
    jobsPerWindow: jobsPerWindow ?? settings.jobsPerWindow,
    windowSeconds: settings.windowSeconds,
    maxQueuedPerUser: maxQueuedPerUser ?? settings.maxQueuedPerUser,
    priority,
    grantedBy,
  };
}
