import type { GenerateOutcome } from "../app/generation-service.js";
import { relativeTimestamp } from "./discord-timestamp.js";
import { formatWindow } from "./format-duration.js";
import { passThrough } from "./user-messages.js";

/**
 * The member's (or operator's) words for a request that did not become a job. The switch covers
 * every admission decision with no default: a new kind does not compile until it has a text.
 */
export function describeDecline(
  outcome: Exclude<GenerateOutcome, { kind: "accepted" }>,
  now: number,
): string {
  if (outcome.kind === "refused") return passThrough(outcome.message, "That request isn't allowed here.");
  const decision = outcome.decision;
  switch (decision.kind) {
    case "rate_limited": {
      const again = relativeTimestamp(now + decision.retryAfterMs);
      const images = decision.limit === 1 ? "image" : "images";
      return `You've hit the limit of ${decision.limit} ${images} per ${formatWindow(decision.windowSeconds * 1000)} — try again ${again}.`;
    }
    case "too_many_queued":
      return `You already have ${decision.limit} jobs waiting — wait for one to finish before adding another.`;
    case "queue_full":
      return `The queue is full right now (${decision.maxSize} jobs waiting) — try again in a few minutes.`;
    case "guild_queue_full":
      return `This server already has ${decision.maxPerGuild} jobs waiting — try again in a few minutes.`;
    case "refused":
      return passThrough(decision.reason, "That request isn't allowed here.");
    case "store_failed":
      return "Couldn't save your job — please try again in a moment.";
    case "closed":
      return "The bot is restarting — try again in a minute.";
  }
}
