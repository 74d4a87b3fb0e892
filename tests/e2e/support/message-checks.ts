import type {
  FakeDiscord,
  RecordedRequest,
  StoredAttachment,
  StoredMessage,
} from "../../fakes/discord/index.js";

/** The message's PNG attachment, if it has one. */
export function pngOf(message: StoredMessage): StoredAttachment | undefined {
  return message.attachments.find((attachment) => attachment.filename.endsWith(".png"));
}

export function hasPng(message: StoredMessage): boolean {
  return pngOf(message) !== undefined;
}

/** The seed shown in the result embed's "Seed" field (as rendered, without backticks). */
export function seedOf(message: StoredMessage): string | undefined {
  for (const embed of message.embeds) {
    const fields = (embed as { fields?: { name: string; value: string }[] }).fields ?? [];
    const seed = fields.find((field) => field.name === "Seed");
    if (seed) return seed.value.replaceAll("`", "");
  }
  return undefined;
}

/** Everything a message shows as text: content plus embeds, for loose assertions. */
export function textOf(message: { content: string; embeds: unknown[] }): string {
  return `${message.content}\n${JSON.stringify(message.embeds)}`;
}

/** Edit requests the bot sent for one message, through either route (webhook `@original` or channel). */
export function editsOf(discord: FakeDiscord, messageId: string, originalToken?: string): RecordedRequest[] {
  return discord.requests.filter((request) => {
    if (request.method !== "PATCH") return false;
    const path = decodeURIComponent(request.path);
    return (
      path.endsWith(`/channels/${channelOf(discord, messageId)}/messages/${messageId}`) ||
      (originalToken !== undefined && path.includes(originalToken) && path.endsWith("/messages/@original"))
    );
  });
}

export function reactedBy(message: StoredMessage, emoji: string, userId: string): boolean {
  return message.reactions.some(
    (reaction) => reaction.emoji.name === emoji && reaction.userIds.includes(userId),
  );
}

function channelOf(discord: FakeDiscord, messageId: string): string {
  return discord.messages.getEvenDeleted(messageId)?.channelId ?? "?";
}

/**
 * Waits until the fake has recorded the successful edit that attached the result. The message
 * store changes a moment before the request is recorded, so tests that count requests wait here.
 */
export async function finalEditOf(
  discord: FakeDiscord,
  messageId: string,
  originalToken?: string,
): Promise<RecordedRequest> {
  const isFinal = (request: RecordedRequest) =>
    request.status === 200 && request.files.some((file) => file.name.endsWith(".png"));
  const found = editsOf(discord, messageId, originalToken).find(isFinal);
  if (found) return found;
  return discord.waitForRequest(
    (request) => isFinal(request) && editsOf(discord, messageId, originalToken).includes(request),
    15_000,
  );
}
