import type { ResultEntry } from "../history/result-store.js";
import type { ChannelLocation, SettingsRepository } from "../moderation/settings-repository.js";
import type { GenerationRequest } from "../request/generation-request.js";
import type { GenerateOutcome, GenerationService } from "./generation-service.js";

/**
 * What a reroll asks for: the member's request as they made it, without its seed (a new one is
 * drawn), on the workflow that made the image even if the channel's default changed since.
 */
export function rerollRequest(entry: Pick<ResultEntry, "request" | "workflow">): GenerationRequest {
  const { seed: _seed, ...rest } = entry.request;
  return { ...rest, workflow: entry.workflow };
}

export interface RerollInput {
  /** The result to make again. */
  entry: ResultEntry;
  /** Who asked for the reroll (not always the result's owner). */
  userId: string;
  location: ChannelLocation;
  channelNsfw: boolean;
  roleIds: readonly string[];
}

export type RerollOutcome = GenerateOutcome | { kind: "not_allowed"; message: string };

export interface RerollDeps {
  generation: Pick<GenerationService, "generate">;
  settings: Pick<SettingsRepository, "resolve">;
}

/**
 * 🎲 (and the result buttons to come): the channel decides who may reroll (`rerollBy`), then the
 * request goes through admission like any other, counted against the member who rerolls.
 */
export async function reroll(deps: RerollDeps, input: RerollInput): Promise<RerollOutcome> {
  const settings = await deps.settings.resolve(input.location);
  if (settings.values.rerollBy === "owner" && input.entry.userId !== input.userId) {
    return {
      kind: "not_allowed",
      message: "Only the person who made this image can reroll it in this channel.",
    };
  }
  return deps.generation.generate({
    userId: input.userId,
    location: input.location,
    channelNsfw: input.channelNsfw,
    roleIds: input.roleIds,
    request: rerollRequest(input.entry),
    rerollOf: input.entry.jobId,
  });
}
