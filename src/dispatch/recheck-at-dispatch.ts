import { checkGenerate } from "../moderation/check-generate.js";
import type { SettingsRepository } from "../moderation/settings-repository.js";
import type { Job } from "../queue/job.js";

/**
 * The channel's rules as they are now, applied to a job that waited in line: a moderator who
 * bans a term or lowers a limit also stops the jobs already queued under the old rules. The job's
 * values are the ones built at admission; nothing is built again. Returns the member's words when
 * the job may no longer run.
 */
export function recheckAtDispatch(
  job: Pick<Job, "guildId" | "channelId" | "parentChannelId" | "workflow" | "request" | "params">,
  settings: Pick<SettingsRepository, "resolveCached">,
): string | undefined {
  const effective = settings.resolveCached({
    guildId: job.guildId,
    channelId: job.channelId,
    ...(job.parentChannelId !== undefined ? { parentId: job.parentChannelId } : {}),
  });
  // Never read (e.g. the terminal's jobs): admission already checked these rules.
  if (!effective) return undefined;
  const verdict = checkGenerate(
    // Banned terms are looked for in the member's own words (`request`) and the prompt drawn (a
    // style's template around them), not in the channel's prefixes that the built negative carries.
    { request: job.request, params: job.params, workflow: job.workflow },
    effective.values,
    // Age restriction only widens what is allowed; it is not known here, so assume the stricter case.
    { channelNsfw: false },
  );
  return verdict.ok
    ? undefined
    : `The rules of this channel changed while your job waited: ${verdict.message}`;
}
