import { describeError } from "./user-messages.js";
import type { GenerateOutcome } from "../app/generation-service.js";

/** The member's (or operator's) words for a request that did not become a job. */
export function describeDecline(
  outcome: Exclude<GenerateOutcome, { kind: "accepted" }>,
  now: number,
): string {
  if (outcome.kind === "refused") return describeError("refused", { message: outcome.message });
  const decision = outcome.decision;
  switch (decision.kind) {
    case "rate_limited":
      return describeError("rate_limited", {
        retryAt: now + decision.retryAfterMs,
        limit: decision.limit,
        windowMs: decision.windowSeconds * 1000,
      });
    case "too_many_queued":
      return describeError("too_many_queued", { maxQueued: decision.limit });
    case "queue_full":
      return describeError("queue_full", { queueSize: decision.maxSize });
    case "refused":
      return describeError("refused", { message: decision.reason });
    case "closed":
      return "The bot is restarting — try again in a minute.";
  }
}
