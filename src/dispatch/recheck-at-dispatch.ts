import { checkGenerate } from "../moderation/check-generate.js";
import type { SettingsRepository } from "../moderation/settings-repository.js";
import type { Job } from "../queue/job.js";
import { optionsFromStoredParams } from "../app/stored-params.js";

/**
 * The channel's rules as they are now, applied to a job that waited in line: a moderator who
 * bans a term or lowers a limit also stops the jobs already queued under the old rules.
 * Returns the member's words when the job may no longer run.
 */
export function recheckAtDispatch(
  job: Job,
  settings: Pick<SettingsRepository, "resolveCached">,
): string | undefined {
  const params = job.params;
  const parentId = typeof params.parentChannelId === "string" ? params.parentChannelId : undefined;
  const effective = settings.resolveCached({
    guildId: job.guildId,
    channelId: job.channelId,
    ...(parentId !== undefined ? { parentId } : {}),
  });
  // Never read (e.g. the terminal's jobs): admission already checked these rules.
  if (!effective) return undefined;
  const options = optionsFromStoredParams(params, job.workflow);
  const verdict = checkGenerate(
    {
      prompt: options.prompt,
      negative: options.negative,
      steps: options.steps,
      width: options.width,
      height: options.height,
      count: options.count,
      workflow: job.workflow,
      model: options.model,
    },
    effective.values,
    // Age restriction only widens what is allowed; it is not known here, so assume the stricter case.
    { channelNsfw: false },
  );
  return verdict.ok
    ? undefined
    : `The rules of this channel changed while your job waited: ${verdict.message}`;
}
