import { DiscordApiError } from "../discord-api-error.js";
import type { FakeDiscordContext } from "../fake-discord-context.js";
import { findChannel, findUser } from "../fake-discord-context.js";
import { userPayload } from "../guild-payloads.js";
import type { StoredMessage } from "../message-store.js";
import { emojiKey, MessageFlags, parseEmoji } from "../message-store.js";
import { dispatchReaction } from "../reaction-events.js";
import type { RouteDefinition } from "../router.js";

const BASE = "/channels/:channelId/messages/:messageId/reactions/:emoji";

/** Reactions by the bot (`@me`), removal of a user's reaction, and listing who reacted. */
export function reactionRoutes(ctx: FakeDiscordContext): RouteDefinition[] {
  const bucket = (params: Record<string, string>) => ({
    name: "reactions" as const,
    major: params["channelId"] ?? "",
  });
  const message = (params: Record<string, string>): StoredMessage => {
    if (!findChannel(ctx, params["channelId"] ?? "")) throw new DiscordApiError("unknownChannel");
    const found = ctx.store.get(params["messageId"] ?? "");
    if (!found || found.channelId !== params["channelId"] || found.flags & MessageFlags.ephemeral) {
      throw new DiscordApiError("unknownMessage");
    }
    return found;
  };
  const remove = (params: Record<string, string>, userId: string): undefined => {
    const found = message(params);
    const emoji = parseEmoji(params["emoji"] ?? "");
    const user = findUser(ctx, userId);
    if (user && ctx.store.removeReaction(found, emoji, userId)) {
      dispatchReaction(ctx, false, { channelId: found.channelId, messageId: found.id }, emoji, user);
    }
    return undefined;
  };
  return [
    {
      method: "PUT",
      route: `${BASE}/@me`,
      auth: "bot",
      bucket,
      handle: ({ params }) => {
        const found = message(params);
        const emoji = parseEmoji(params["emoji"] ?? "");
        if (emoji.name === "") throw new DiscordApiError("unknownEmoji");
        if (ctx.store.addReaction(found, emoji, ctx.botUser.id)) {
          const target = { channelId: found.channelId, messageId: found.id, authorId: found.author.id };
          dispatchReaction(ctx, true, target, emoji, ctx.botUser);
        }
        return undefined;
      },
    },
    {
      method: "DELETE",
      route: `${BASE}/@me`,
      auth: "bot",
      bucket,
      handle: ({ params }) => remove(params, ctx.botUser.id),
    },
    {
      method: "DELETE",
      route: `${BASE}/:userId`,
      auth: "bot",
      bucket,
      handle: ({ params }) => remove(params, params["userId"] ?? ""),
    },
    {
      method: "GET",
      route: BASE,
      auth: "bot",
      handle: ({ params }) => {
        const found = message(params);
        const key = emojiKey(parseEmoji(params["emoji"] ?? ""));
        const reaction = found.reactions.find((r) => emojiKey(r.emoji) === key);
        const users = (reaction?.userIds ?? []).flatMap((id) => {
          const user = findUser(ctx, id);
          return user ? [userPayload(user)] : [];
        });
        return { json: users };
      },
    },
  ];
}
