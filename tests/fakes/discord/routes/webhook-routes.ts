import { DiscordApiError } from "../discord-api-error.js";
import type { FakeDiscordContext } from "../fake-discord-context.js";
import type { InteractionRecord } from "../interaction-registry.js";
import { bodyContext, createBotMessage, deleteMessage, editMessage } from "../message-actions.js";
import { buildMessageContent } from "../message-body.js";
import type { StoredMessage } from "../message-store.js";
import { messagePayload } from "../message-store.js";
import type { RouteDefinition } from "../router.js";

/** Interaction webhook routes: `@original`, follow-ups, with the token's lifetime (then 401/50027). */
export function webhookRoutes(ctx: FakeDiscordContext): RouteDefinition[] {
  const bucket = (params: Record<string, string>) => ({
    name: "webhook" as const,
    major: `${params["applicationId"] ?? ""}/${params["token"] ?? ""}`,
  });
  const interaction = (params: Record<string, string>): InteractionRecord => {
    const record = ctx.interactions.byToken(params["token"] ?? "");
    if (!record || params["applicationId"] !== ctx.applicationId) throw new DiscordApiError("unknownWebhook");
    if (ctx.clock.now() - record.createdAt > ctx.settings.tokenTtlMs)
      throw new DiscordApiError("invalidWebhookToken");
    return record;
  };
  const target = (record: InteractionRecord, messageId: string): StoredMessage => {
    const id = messageId === "@original" ? record.originalMessageId : messageId;
    const owned = id !== null && (id === record.originalMessageId || record.followupIds.includes(id));
    const message = owned ? ctx.store.get(id) : undefined;
    if (!message) throw new DiscordApiError("unknownMessage");
    return message;
  };
  const payload = (message: StoredMessage) => ({
    json: messagePayload(message, ctx.botUser.id, ctx.applicationId),
  });
  const routes: RouteDefinition[] = [];
  for (const route of [
    "/webhooks/:applicationId/:token/messages/@original",
    "/webhooks/:applicationId/:token/messages/:messageId",
  ]) {
    const messageId = (params: Record<string, string>) => params["messageId"] ?? "@original";
    routes.push(
      {
        method: "GET",
        route,
        auth: "none",
        exemptFromGlobal: true,
        bucket,
        handle: ({ params }) => payload(target(interaction(params), messageId(params))),
      },
      {
        method: "PATCH",
        route,
        auth: "none",
        exemptFromGlobal: true,
        bucket,
        handle: ({ params, body }) => {
          const record = interaction(params);
          const message = target(record, messageId(params));
          editMessage(ctx, message, body);
          if (message.id === record.originalMessageId) record.deferredFollowupPending = false;
          ctx.interactions.touch(record);
          return payload(message);
        },
      },
      {
        method: "DELETE",
        route,
        auth: "none",
        exemptFromGlobal: true,
        bucket,
        handle: ({ params }) => {
          const record = interaction(params);
          deleteMessage(ctx, target(record, messageId(params)));
          ctx.interactions.touch(record);
          return undefined;
        },
      },
    );
  }
  routes.push({
    method: "POST",
    route: "/webhooks/:applicationId/:token",
    auth: "none",
    exemptFromGlobal: true,
    bucket,
    handle: ({ params, body }) => {
      const record = interaction(params);
      const original =
        record.originalMessageId === null ? undefined : ctx.store.get(record.originalMessageId);
      if (record.deferredFollowupPending && original) {
        // After a defer, the first follow-up replaces the loading message (documented legacy behaviour).
        record.deferredFollowupPending = false;
        editMessage(ctx, original, body);
        ctx.interactions.touch(record);
        return payload(original);
      }
      const content = buildMessageContent(body, bodyContext(ctx, record.channelId), undefined);
      const message = createBotMessage(ctx, {
        channelId: record.channelId,
        type: 0,
        webhookId: ctx.applicationId,
        interactionId: record.id,
        ...content,
      });
      record.followupIds.push(message.id);
      ctx.interactions.touch(record);
      return payload(message);
    },
  });
  return routes;
}
