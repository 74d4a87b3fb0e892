import type { FakeDiscordContext } from "./fake-discord-context.js";
import { findChannel } from "./fake-discord-context.js";
import { Intents } from "./gateway.js";
import type { FakeUser } from "./guild-fixture.js";
import { memberPayload } from "./guild-payloads.js";
import type { StoredReaction } from "./message-store.js";

export interface ReactionTarget {
  channelId: string;
  messageId: string;
  /** The message author, when the fake knows the message (Discord then adds `message_author_id`). */
  authorId?: string;
}

/** MESSAGE_REACTION_ADD/REMOVE, filtered by the GuildMessageReactions intent. */
export function dispatchReaction(
  ctx: FakeDiscordContext,
  added: boolean,
  target: ReactionTarget,
  emoji: StoredReaction["emoji"],
  user: FakeUser,
): void {
  const guild = findChannel(ctx, target.channelId)?.guild;
  const member = guild?.members.find((m) => m.user.id === user.id);
  const d = {
    user_id: user.id,
    channel_id: target.channelId,
    message_id: target.messageId,
    ...(guild ? { guild_id: guild.id } : {}),
    emoji,
    burst: false,
    type: 0,
    ...(added && member ? { member: memberPayload(member) } : {}),
    ...(added ? { burst_colors: [] } : {}),
    ...(added && target.authorId !== undefined ? { message_author_id: target.authorId } : {}),
  };
  ctx.gateway.dispatch(
    added ? "MESSAGE_REACTION_ADD" : "MESSAGE_REACTION_REMOVE",
    d,
    Intents.guildMessageReactions,
  );
}
