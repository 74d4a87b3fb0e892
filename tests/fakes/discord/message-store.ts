import { MessageFlags as Flags } from "discord-api-types/v10";
import type { FakeUser } from "./guild-fixture.js";
import type { Json } from "./guild-payloads.js";
import { userPayload } from "./guild-payloads.js";

/** The message flags the fake acts on (the bot never sees this object, only the bits). */
export const MessageFlags = {
  suppressEmbeds: Flags.SuppressEmbeds,
  ephemeral: Flags.Ephemeral,
  loading: Flags.Loading,
} as const;

export interface StoredAttachment {
  id: string;
  filename: string;
  description?: string;
  contentType: string;
  size: number;
  bytes: Buffer;
  width?: number;
  height?: number;
  url: string;
}

export interface MessageContent {
  content: string;
  embeds: Json[];
  components: Json[];
  attachments: StoredAttachment[];
  flags: number;
}

export interface MessageEdit extends MessageContent {
  at: number;
}

export interface StoredReaction {
  emoji: { id: string | null; name: string };
  userIds: string[];
}

export interface StoredMessage extends MessageContent {
  id: string;
  channelId: string;
  guildId: string | null;
  author: FakeUser;
  /** 0 default, 19 reply, 20 chat-input command response. */
  type: number;
  createdAt: number;
  editedAt: number | null;
  /** Every state the message had before each edit, oldest first; the current state is the message. */
  history: MessageEdit[];
  /** Edits made after the message was an hour old, counted for 30046. */
  oldEdits: number;
  reactions: StoredReaction[];
  /** Set on interaction responses and follow-ups: the application's webhook. */
  webhookId: string | null;
  interactionId: string | null;
  /** Users Discord notified when the message was created (its content mentions, filtered by allowed_mentions). */
  pinged: string[];
  deleted: boolean;
}

export type NewMessage = Omit<
  StoredMessage,
  "editedAt" | "history" | "oldEdits" | "reactions" | "deleted" | "pinged" | keyof MessageContent
> &
  Partial<MessageContent> & { pinged?: string[] };

/** Every message the fake knows, with edit history, reactions and attachment bytes; notifies watchers. */
export class MessageStore {
  readonly #messages = new Map<string, StoredMessage>();
  readonly #watchers = new Set<(message: StoredMessage) => void>();

  get all(): StoredMessage[] {
    return [...this.#messages.values()];
  }

  get(id: string): StoredMessage | undefined {
    const message = this.#messages.get(id);
    return message?.deleted ? undefined : message;
  }

  /** Includes deleted messages, for assertions about what happened. */
  getEvenDeleted(id: string): StoredMessage | undefined {
    return this.#messages.get(id);
  }

  inChannel(channelId: string): StoredMessage[] {
    return this.all.filter((m) => m.channelId === channelId && !m.deleted);
  }

  attachment(attachmentId: string): StoredAttachment | undefined {
    for (const message of this.#messages.values()) {
      const found =
        message.attachments.find((a) => a.id === attachmentId) ??
        message.history.flatMap((h) => h.attachments).find((a) => a.id === attachmentId);
      if (found) return found;
    }
    return undefined;
  }

  create(input: NewMessage): StoredMessage {
    const message: StoredMessage = {
      content: "",
      embeds: [],
      components: [],
      attachments: [],
      flags: 0,
      pinged: [],
      ...input,
      editedAt: null,
      history: [],
      oldEdits: 0,
      reactions: [],
      deleted: false,
    };
    this.#messages.set(message.id, message);
    this.#notify(message);
    return message;
  }

  edit(message: StoredMessage, next: MessageContent, at: number, countsAsOldEdit: boolean): StoredMessage {
    const { content, embeds, components, attachments, flags } = message;
    message.history.push({
      content,
      embeds,
      components,
      attachments,
      flags,
      at: message.editedAt ?? message.createdAt,
    });
    Object.assign(message, next);
    message.editedAt = at;
    if (countsAsOldEdit) message.oldEdits += 1;
    this.#notify(message);
    return message;
  }

  delete(message: StoredMessage): void {
    message.deleted = true;
    this.#notify(message);
  }

  /** Adds a user's reaction; returns false when it was already there (Discord sends no event then). */
  addReaction(message: StoredMessage, emoji: StoredReaction["emoji"], userId: string): boolean {
    let reaction = message.reactions.find((r) => emojiKey(r.emoji) === emojiKey(emoji));
    if (!reaction) {
      reaction = { emoji, userIds: [] };
      message.reactions.push(reaction);
    }
    if (reaction.userIds.includes(userId)) return false;
    reaction.userIds.push(userId);
    this.#notify(message);
    return true;
  }

  removeReaction(message: StoredMessage, emoji: StoredReaction["emoji"], userId: string): boolean {
    const reaction = message.reactions.find((r) => emojiKey(r.emoji) === emojiKey(emoji));
    if (!reaction?.userIds.includes(userId)) return false;
    reaction.userIds = reaction.userIds.filter((id) => id !== userId);
    if (reaction.userIds.length === 0) message.reactions = message.reactions.filter((r) => r !== reaction);
    this.#notify(message);
    return true;
  }

  watch(listener: (message: StoredMessage) => void): () => void {
    this.#watchers.add(listener);
    return () => this.#watchers.delete(listener);
  }

  #notify(message: StoredMessage): void {
    for (const listener of this.#watchers) listener(message);
  }
}

export function emojiKey(emoji: StoredReaction["emoji"]): string {
  return emoji.id === null ? emoji.name : `${emoji.name}:${emoji.id}`;
}

/** Reads the emoji path segment: URL-encoded unicode, or `name:id` for custom emojis. */
export function parseEmoji(segment: string): StoredReaction["emoji"] {
  const decoded = decodeURIComponent(segment);
  const custom = /^<?a?:?([\w~-]+):(\d{17,20})>?$/.exec(decoded);
  return custom ? { id: custom[2] ?? null, name: custom[1] ?? decoded } : { id: null, name: decoded };
}

export function attachmentPayload(attachment: StoredAttachment): Json {
  return {
    id: attachment.id,
    filename: attachment.filename,
    ...(attachment.description === undefined ? {} : { description: attachment.description }),
    content_type: attachment.contentType,
    size: attachment.size,
    url: attachment.url,
    proxy_url: attachment.url,
    ...(attachment.width === undefined ? {} : { width: attachment.width, height: attachment.height }),
  };
}

/** The message object as REST answers and gateway dispatches carry it. */
export function messagePayload(message: StoredMessage, viewerId?: string, applicationId?: string): Json {
  return {
    id: message.id,
    type: message.type,
    channel_id: message.channelId,
    ...(message.guildId === null ? {} : { guild_id: message.guildId }),
    author: userPayload(message.author),
    content: message.content,
    embeds: message.embeds,
    components: message.components,
    attachments: message.attachments.map(attachmentPayload),
    mentions: [],
    mention_roles: [],
    mention_everyone: false,
    pinned: false,
    tts: false,
    timestamp: new Date(message.createdAt).toISOString(),
    edited_timestamp: message.editedAt === null ? null : new Date(message.editedAt).toISOString(),
    flags: message.flags,
    ...(message.webhookId === null ? {} : { webhook_id: message.webhookId }),
    ...(message.webhookId !== null && applicationId !== undefined ? { application_id: applicationId } : {}),
    ...(message.reactions.length === 0
      ? {}
      : {
          reactions: message.reactions.map((r) => ({
            emoji: r.emoji,
            count: r.userIds.length,
            count_details: { burst: 0, normal: r.userIds.length },
            me: viewerId !== undefined && r.userIds.includes(viewerId),
            me_burst: false,
            burst_colors: [],
          })),
        }),
  };
}
