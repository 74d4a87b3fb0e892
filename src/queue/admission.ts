import type { GenerationRequest, JobParams } from "../request/generation-request.js";
import type { Job, JobMessage, JobOrigin } from "./job.js";

/** The limits that apply to this member here (config → guild → channel → role grants). */
export interface EffectiveLimits {
  jobsPerWindow: number;
  windowSeconds: number;
  maxQueuedPerUser: number;
  /** Served in the priority lane. */
  priority?: boolean | undefined;
}

/** The moderation policy's answer, passed in by the caller or produced by the queue's `precheck`. */
export type PolicyVerdict = { allowed: true } | { allowed: false; reason: string; code?: string | undefined };

export interface AdmissionRequest {
  userId: string;
  guildId: string;
  channelId: string;
  /** For threads: the channel whose rules apply (dispatch checks them again). */
  parentChannelId?: string | undefined;
  workflow: string;
  /** What the member asked for, kept for rerolls. */
  request: GenerationRequest;
  /** The values the workflow gets, built and checked by the caller. */
  params: JobParams;
  limits: EffectiveLimits;
  verdict?: PolicyVerdict | undefined;
  /** The job this one rerolls; rerolls count against the limits like any job. */
  rerollOf?: string | undefined;
  messages?: JobMessage[] | undefined;
  /** The interaction whose reply will show the job (kept so a restart can find that reply). */
  origin?: JobOrigin | undefined;
}

export type AdmissionDecision =
  /** `position`: jobs dispatched before this one; `etaMs`: expected time until it is done. */
  | { kind: "accepted"; job: Job; position: number; etaMs: number }
  | { kind: "rate_limited"; retryAfterMs: number; limit: number; windowSeconds: number }
  | { kind: "too_many_queued"; limit: number; queued: number }
  | { kind: "queue_full"; maxSize: number }
  /** This server already has `maxPerGuild` jobs waiting. */
  | { kind: "guild_queue_full"; maxPerGuild: number }
  | { kind: "refused"; reason: string; code?: string | undefined }
  /** The job could not be stored (disk full, database locked too long): nothing was kept, try again. */
  | { kind: "store_failed" }
  /** The bot is shutting down. */
  | { kind: "closed" };

export type CancelDecision =
  | { kind: "cancelled"; job: Job }
  | { kind: "not_found" }
  | { kind: "not_allowed" }
  | { kind: "already_finished"; job: Job };

export interface CancelRequest {
  /** Who asks: the owner may cancel their own jobs. */
  userId: string;
  /** The caller has checked the member's moderator permission. */
  byModerator?: boolean | undefined;
}
