import { DiscordApiError } from "./discord-api-error.js";
import type { FakeDiscordContext } from "./fake-discord-context.js";
import { findChannel } from "./fake-discord-context.js";
import { Intents } from "./gateway.js";
import { memberPayload } from "./guild-payloads.js";
import type { MessageContent, NewMessage, StoredMessage } from "./message-store.js";
import { MessageFlags, messagePayload } from "./message-store.js";
import type { ParsedBody } from "./request-body.js";
import { buildMessageContent } from "./message-body.js";

export function bodyContext(ctx: FakeDiscordContext, channelId: string) {
  return {
    newId: ctx.newId,
    cdnBase: ctx.baseUrl(),
    channelId,
    attachmentSizeLimit: ctx.settings.attachmentSizeLimit,
  };
}

/** MESSAGE_CREATE/UPDATE as Discord sends them to the bot for its own (non-ephemeral) messages. */
function dispatchMessage(
  ctx: FakeDiscordContext,
  t: "MESSAGE_CREATE" | "MESSAGE_UPDATE",
  message: StoredMessage,
): void {
  if (message.flags & MessageFlags.ephemeral) return;
  const located = findChannel(ctx, message.channelId);
  const member = located?.guild.members.find((m) => m.user.id === message.author.id);
  const { user: _user, ...partialMember } = member ? memberPayload(member) : { user: undefined };
  const d = {
    ...messagePayload(message, ctx.botUser.id, ctx.applicationId),
    ...(member ? { member: partialMember } : {}),
  };
  ctx.gateway.dispatch(t, d, Intents.guildMessages);
}

/** Stores a message the bot sent and tells its gateway session, as Discord does. */
export function createBotMessage(
  ctx: FakeDiscordContext,
  input: Omit<NewMessage, "id" | "author" | "createdAt" | "guildId"> & Partial<MessageContent>,
): StoredMessage {
  const guildId = findChannel(ctx, input.channelId)?.guild.id ?? null;
  const message = ctx.store.create({
    ...input,
    id: ctx.newId(),
    author: ctx.botUser,
    createdAt: ctx.clock.now(),
    guildId,
  });
  dispatchMessage(ctx, "MESSAGE_CREATE", message);
  return message;
}

/** Applies an edit body, enforcing the old-message edit cap (30046). */
export function editMessage(
  ctx: FakeDiscordContext,
  message: StoredMessage,
  body: ParsedBody,
): StoredMessage {
  const now = ctx.clock.now();
  const old = now - message.createdAt > ctx.settings.oldMessageAgeMs;
  if (old && message.oldEdits >= ctx.settings.oldMessageEditLimit) {
    throw new DiscordApiError("oldMessageEditLimit");
  }
  const next = buildMessageContent(body, bodyContext(ctx, message.channelId), message);
  ctx.store.edit(message, next, now, old);
  dispatchMessage(ctx, "MESSAGE_UPDATE", message);
  return message;
}

export function deleteMessage(ctx: FakeDiscordContext, message: StoredMessage): void {
  ctx.store.delete(message);
  if (message.flags & MessageFlags.ephemeral) return;
  ctx.gateway.dispatch(
    "MESSAGE_DELETE",
    {
      id: message.id,
      channel_id: message.channelId,
      ...(message.guildId ? { guild_id: message.guildId } : {}),
    },
    Intents.guildMessages,
  );
}
