import type { Logger } from "pino";
import type { MessageTarget, MessageTransport } from "./message-transport.js";
import type { DeliveryOutcome } from "./result-delivery.js";

type Reactions = Pick<MessageTransport, "react" | "unreact">;

/**
 * A posted result trades the ❌ (cancel) for a 🎲 (reroll). A result posted as a new message
 * never had the ❌. Each reaction is housekeeping: a failure costs only the emoji, so it is logged.
 */
export async function markDelivered(
  transport: Reactions,
  logger: Logger,
  outcome: DeliveryOutcome,
): Promise<void> {
  if (outcome.kind !== "delivered") return;
  const shown = outcome.target;
  if (!outcome.movedFrom)
    await quietly(logger, "remove the ❌", transport.unreact(shown.channelId, shown.messageId, "❌"));
  await quietly(logger, "add the 🎲", transport.react(shown.channelId, shown.messageId, "🎲"));
}

/** A failed or cancelled job's message loses its ❌: there is nothing left to cancel. */
export async function markEnded(transport: Reactions, logger: Logger, target: MessageTarget): Promise<void> {
  await quietly(logger, "remove the ❌", transport.unreact(target.channelId, target.messageId, "❌"));
}

async function quietly(logger: Logger, what: string, work: Promise<void>): Promise<void> {
  try {
    await work;
  } catch (error) {
    logger.warn({ err: error }, `could not ${what}`);
  }
}
