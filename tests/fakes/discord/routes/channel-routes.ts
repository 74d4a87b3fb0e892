import { DiscordApiError } from "../discord-api-error.js";
import type { FakeDiscordContext } from "../fake-discord-context.js";
import { findChannel } from "../fake-discord-context.js";
import { channelPayload } from "../guild-payloads.js";
import { bodyContext, createBotMessage, deleteMessage, editMessage } from "../message-actions.js";
import { buildMessageContent, pingedUsers, jsonObject } from "../message-body.js";
import type { StoredMessage } from "../message-store.js";
import { MessageFlags, messagePayload } from "../message-store.js";
import type { RouteDefinition } from "../router.js";

/** Channel reads and the bot-token message routes (which cannot see ephemeral messages). */
export function channelRoutes(ctx: FakeDiscordContext): RouteDefinition[] {
  const bucket = (params: Record<string, string>) => ({
    name: "channelMessages" as const,
    major: params["channelId"] ?? "",
  });
  const channel = (params: Record<string, string>) => {
    const found = findChannel(ctx, params["channelId"] ?? "");
    if (!found) throw new DiscordApiError("unknownChannel");
    return found;
  };
  const message = (params: Record<string, string>): StoredMessage => {
    channel(params);
    const found = ctx.store.get(params["messageId"] ?? "");
    if (!found || found.channelId !== params["channelId"] || found.flags & MessageFlags.ephemeral) {
      throw new DiscordApiError("unknownMessage");
    }
    return found;
  };
  const payload = (m: StoredMessage) => messagePayload(m, ctx.botUser.id, ctx.applicationId);
  return [
    {
      method: "GET",
      route: "/channels/:channelId",
      auth: "bot",
      handle: ({ params }) => {
        const { guild, channel: found } = channel(params);
        if (found.hiddenFromBot === true) throw new DiscordApiError("missingAccess");
        return { json: channelPayload(guild, found) };
      },
    },
    {
      method: "GET",
      route: "/channels/:channelId/messages",
      auth: "bot",
      handle: ({ params, query }) => {
        channel(params);
        const limit = Math.min(Number(query.get("limit") ?? 50), 100);
        const visible = ctx.store
          .inChannel(params["channelId"] ?? "")
          .filter((m) => !(m.flags & MessageFlags.ephemeral))
          .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
        return { json: visible.slice(0, limit).map(payload) };
      },
    },
    {
      method: "POST",
      route: "/channels/:channelId/messages",
      auth: "bot",
      bucket,
      handle: ({ params, body }) => {
        const channelId = channel(params).channel.id;
        const content = buildMessageContent(body, bodyContext(ctx, channelId), undefined);
        const reply = jsonObject(body)["message_reference"];
        return {
          json: payload(
            createBotMessage(ctx, {
              channelId,
              type: reply === undefined ? 0 : 19,
              webhookId: null,
              interactionId: null,
              pinged: pingedUsers(body),
              ...content,
            }),
          ),
        };
      },
    },
    {
      method: "GET",
      route: "/channels/:channelId/messages/:messageId",
      auth: "bot",
      handle: ({ params }) => ({ json: payload(message(params)) }),
    },
    {
      method: "PATCH",
      route: "/channels/:channelId/messages/:messageId",
      auth: "bot",
      bucket,
      handle: ({ params, body }) => {
        const found = message(params);
        if (found.author.id !== ctx.botUser.id) throw new DiscordApiError("cannotEditOthersMessage");
        return { json: payload(editMessage(ctx, found, body)) };
      },
    },
    {
      method: "DELETE",
      route: "/channels/:channelId/messages/:messageId",
      auth: "bot",
      bucket,
      handle: ({ params }) => {
        deleteMessage(ctx, message(params));
        return undefined;
      },
    },
    { method: "POST", route: "/channels/:channelId/typing", auth: "bot", handle: () => undefined },
  ];
}
