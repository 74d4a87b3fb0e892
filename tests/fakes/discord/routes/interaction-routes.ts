import { InteractionResponseType as Callback, InteractionType, MessageType } from "discord-api-types/v10";
import { DiscordApiError, invalidFormBody } from "../discord-api-error.js";
import type { FakeDiscordContext } from "../fake-discord-context.js";
import type { Json } from "../guild-payloads.js";
import type { InteractionRecord } from "../interaction-registry.js";
import { bodyContext, createBotMessage, editMessage } from "../message-actions.js";
import { buildMessageContent, jsonObject } from "../message-body.js";
import type { StoredMessage } from "../message-store.js";
import { MessageFlags, messagePayload } from "../message-store.js";
import type { ParsedBody } from "../request-body.js";
import { validateModal } from "../modal-payloads.js";
import type { RouteDefinition } from "../router.js";

/** The callback types Discord knows; anything else is refused before it is looked at. */
function callbackType(value: unknown): Callback | undefined {
  return Object.values(Callback).find((type): type is Callback => typeof type === "number" && type === value);
}

const unknownCallbackType = () =>
  invalidFormBody(["type"], "BASE_TYPE_CHOICES", "Value must be one of {4, 5, 6, 7, 8, 9, 10, 12}.");

function dataOf(json: Json): Json {
  const data = json["data"];
  return typeof data === "object" && data !== null && !Array.isArray(data) ? (data as Json) : {};
}

/** Applies one callback to the interaction; returns the message it created or edited, if any. */
function applyCallback(
  ctx: FakeDiscordContext,
  record: InteractionRecord,
  type: Callback,
  body: ParsedBody,
): StoredMessage | undefined {
  const data = dataOf(jsonObject(body));
  const dataBody: ParsedBody = { ...body, json: data };
  const newReply = (flags: number, content: Partial<StoredMessage>): StoredMessage => {
    const message = createBotMessage(ctx, {
      channelId: record.channelId,
      type:
        record.type === InteractionType.ApplicationCommand ? MessageType.ChatInputCommand : MessageType.Reply,
      webhookId: ctx.applicationId,
      interactionId: record.id,
      ...content,
      flags,
    });
    record.originalMessageId = message.id;
    return message;
  };
  switch (type) {
    case Callback.ChannelMessageWithSource: {
      const content = buildMessageContent(dataBody, bodyContext(ctx, record.channelId), undefined);
      return newReply(content.flags, content);
    }
    case Callback.DeferredChannelMessageWithSource: {
      const ephemeral = (typeof data["flags"] === "number" ? data["flags"] : 0) & MessageFlags.ephemeral;
      record.deferredFollowupPending = true;
      return newReply(MessageFlags.loading | ephemeral, {});
    }
    case Callback.DeferredMessageUpdate:
    case Callback.UpdateMessage: {
      // A component, or a modal opened from one (its submit carries the message), may update it.
      if (
        record.type !== InteractionType.MessageComponent &&
        !(record.type === InteractionType.ModalSubmit && record.originalMessageId !== null)
      ) {
        throw invalidFormBody(
          ["type"],
          "INTERACTION_RESPONSE_TYPE_INVALID",
          "Interaction response type is invalid",
        );
      }
      const message = record.originalMessageId === null ? undefined : ctx.store.get(record.originalMessageId);
      if (!message) throw new DiscordApiError("unknownMessage");
      return type === Callback.UpdateMessage ? editMessage(ctx, message, dataBody) : message;
    }
    case Callback.ApplicationCommandAutocompleteResult: {
      const choices = data["choices"];
      if (record.type !== InteractionType.ApplicationCommandAutocomplete || !Array.isArray(choices)) {
        throw invalidFormBody(["data", "choices"], "BASE_TYPE_REQUIRED", "This field is required");
      }
      if (choices.length > 25) {
        throw invalidFormBody(["data", "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
      }
      return undefined;
    }
    case Callback.Modal:
      // Discord opens a modal only in answer to a command or a component, never to a modal submit.
      if (
        record.type !== InteractionType.ApplicationCommand &&
        record.type !== InteractionType.MessageComponent
      ) {
        throw invalidFormBody(
          ["type"],
          "INTERACTION_RESPONSE_TYPE_INVALID",
          "Interaction response type is invalid",
        );
      }
      validateModal(data);
      return undefined;
    case Callback.Pong:
    case Callback.PremiumRequired:
    case Callback.LaunchActivity:
      // Not answers the fake models for a gateway bot's commands, buttons and autocomplete.
      throw unknownCallbackType();
  }
}

/** `POST /interactions/:id/:token/callback`: the one initial response, within the deadline. */
export function interactionRoutes(ctx: FakeDiscordContext): RouteDefinition[] {
  return [
    {
      method: "POST",
      route: "/interactions/:interactionId/:token/callback",
      auth: "none",
      exemptFromGlobal: true,
      handle: ({ params, query, body }) => {
        const record = ctx.interactions.get(params["interactionId"] ?? "");
        if (!record || record.token !== params["token"]) throw new DiscordApiError("unknownInteraction");
        if (ctx.clock.now() - record.createdAt > ctx.settings.interactionDeadlineMs) {
          throw new DiscordApiError("unknownInteraction");
        }
        if (record.ack) throw new DiscordApiError("alreadyAcknowledged");
        const json = jsonObject(body);
        const type = callbackType(json["type"]);
        if (type === undefined) throw unknownCallbackType();
        const message = applyCallback(ctx, record, type, body);
        record.ack = { type, at: ctx.clock.now(), data: dataOf(json) };
        ctx.interactions.touch(record);
        if (query.get("with_response") !== "true") return undefined;
        return {
          json: {
            interaction: {
              id: record.id,
              type: record.type,
              activity_instance_id: null,
              response_message_id: message?.id ?? null,
              response_message_loading: message ? (message.flags & MessageFlags.loading) !== 0 : false,
              response_message_ephemeral: message ? (message.flags & MessageFlags.ephemeral) !== 0 : false,
            },
            resource: {
              type,
              ...(message ? { message: messagePayload(message, ctx.botUser.id, ctx.applicationId) } : {}),
            },
          },
        };
      },
    },
  ];
}
