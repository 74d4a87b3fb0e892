import { RESTJSONErrorCodes } from "discord-api-types/v10";

/** Discord's documented JSON error codes the fake can answer with, with their HTTP status and message. */
export const ApiErrors = {
  unauthorized: { status: 401, code: 0, message: "401: Unauthorized" },
  unknownChannel: { status: 404, code: RESTJSONErrorCodes.UnknownChannel, message: "Unknown Channel" },
  unknownGuild: { status: 404, code: RESTJSONErrorCodes.UnknownGuild, message: "Unknown Guild" },
  unknownMember: { status: 404, code: RESTJSONErrorCodes.UnknownMember, message: "Unknown Member" },
  unknownMessage: { status: 404, code: RESTJSONErrorCodes.UnknownMessage, message: "Unknown Message" },
  unknownUser: { status: 404, code: RESTJSONErrorCodes.UnknownUser, message: "Unknown User" },
  unknownEmoji: { status: 400, code: RESTJSONErrorCodes.UnknownEmoji, message: "Unknown Emoji" },
  unknownWebhook: { status: 404, code: RESTJSONErrorCodes.UnknownWebhook, message: "Unknown Webhook" },
  unknownInteraction: {
    status: 404,
    code: RESTJSONErrorCodes.UnknownInteraction,
    message: "Unknown interaction",
  },
  unknownApplicationCommand: {
    status: 404,
    code: RESTJSONErrorCodes.UnknownApplicationCommand,
    message: "Unknown application command",
  },
  missingAccess: { status: 403, code: RESTJSONErrorCodes.MissingAccess, message: "Missing Access" },
  cannotEditOthersMessage: {
    status: 403,
    code: RESTJSONErrorCodes.CannotEditMessageAuthoredByAnotherUser,
    message: "Cannot edit a message authored by another user",
  },
  emptyMessage: {
    status: 400,
    code: RESTJSONErrorCodes.CannotSendAnEmptyMessage,
    message: "Cannot send an empty message",
  },
  invalidWebhookToken: {
    status: 401,
    code: RESTJSONErrorCodes.InvalidWebhookToken,
    message: "Invalid Webhook Token",
  },
  invalidFormBody: {
    status: 400,
    code: RESTJSONErrorCodes.InvalidFormBodyOrContentType,
    message: "Invalid Form Body",
  },
  tooManyAttachments: {
    status: 400,
    code: RESTJSONErrorCodes.MaximumNumberOfAttachmentsInAMessageReached,
    message: "Maximum number of attachments in a message reached (10)",
  },
  oldMessageEditLimit: {
    status: 400,
    code: RESTJSONErrorCodes.MaximumNumberOfEditsToMessagesOlderThanOneHourReached,
    message: "Maximum number of edits to messages older than 1 hour reached. Try again later",
  },
  requestEntityTooLarge: {
    status: 413,
    code: RESTJSONErrorCodes.RequestEntityTooLarge,
    message: "Request entity too large",
  },
  alreadyAcknowledged: {
    status: 400,
    code: RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged,
    message: "Interaction has already been acknowledged.",
  },
  notFound: { status: 404, code: 0, message: "404: Not Found" },
  methodNotAllowed: { status: 405, code: 0, message: "405: Method Not Allowed" },
} as const;

export type ApiErrorKind = keyof typeof ApiErrors;

/** Nested field errors in Discord's `errors` shape: `{ content: { _errors: [{ code, message }] } }`. */
export type FieldErrors = { [key: string]: FieldErrors | { code: string; message: string }[] };

/** Thrown by route handlers; the router renders it as Discord's `{ message, code, errors? }` body. */
export class DiscordApiError extends Error {
  readonly status: number;
  readonly code: number;
  readonly errors: FieldErrors | undefined;

  constructor(kind: ApiErrorKind, errors?: FieldErrors) {
    const { status, code, message } = ApiErrors[kind];
    super(message);
    this.name = `DiscordApiError[${code}]`;
    this.status = status;
    this.code = code;
    this.errors = errors;
  }

  toJSON(): { message: string; code: number; errors?: FieldErrors } {
    return this.errors === undefined
      ? { message: this.message, code: this.code }
      : { message: this.message, code: this.code, errors: this.errors };
  }
}

/** A 50035 Invalid Form Body whose `errors` point at one field path such as `["0", "name"]`. */
export function invalidFormBody(path: readonly string[], code: string, message: string): DiscordApiError {
  let errors: FieldErrors = { _errors: [{ code, message }] };
  for (const key of [...path].reverse()) errors = { [key]: errors };
  return new DiscordApiError("invalidFormBody", errors);
}
