import type { FakeDiscordContext } from "./fake-discord-context.js";
import { findChannel } from "./fake-discord-context.js";
import type { FakeUser } from "./guild-fixture.js";
import type { Json } from "./guild-payloads.js";
import type { StoredAttachment, StoredMessage, StoredReaction } from "./message-store.js";
import { parseEmoji } from "./message-store.js";
import { deleteMessage } from "./message-actions.js";
import { dispatchReaction } from "./reaction-events.js";

export interface ReactOptions {
  messageId: string;
  channelId: string;
  /** A unicode emoji, `name:id` for a custom one, or the emoji object. */
  emoji: string | StoredReaction["emoji"];
  /** Defaults to alice. */
  user?: FakeUser;
}

export interface SeedMessageOptions {
  channelId: string;
  /** Defaults to the bot: e.g. a result it posted before a restart. */
  author?: FakeUser;
  content?: string;
  embeds?: Json[];
  components?: Json[];
  attachments?: { filename: string; bytes: Buffer; contentType?: string }[];
  createdAt?: number;
  /** Marks it as an interaction response of the bot's application. */
  fromInteraction?: boolean;
}

/** Reactions and seeded history: changes made by people (or the past), not by the bot. */
export class UserActions {
  constructor(
    private readonly ctx: FakeDiscordContext,
    private readonly defaultUser: FakeUser,
  ) {}

  react(input: ReactOptions): void {
    this.#reaction(true, input);
  }

  unreact(input: ReactOptions): void {
    this.#reaction(false, input);
  }

  /** Someone (a moderator in the Discord client) deletes a message: later edits of it answer 10008. */
  deleteMessage(messageId: string): void {
    const message = this.ctx.store.get(messageId);
    if (!message) throw new Error(`fake Discord: no message ${messageId} to delete`);
    deleteMessage(this.ctx, message);
  }

  /** Puts a message in the store without any gateway event, so the client has never cached it. */
  seedMessage(input: SeedMessageOptions): StoredMessage {
    const ctx = this.ctx;
    const guildId = findChannel(ctx, input.channelId)?.guild.id ?? null;
    const attachments: StoredAttachment[] = (input.attachments ?? []).map((file) => {
      const id = ctx.newId();
      return {
        id,
        filename: file.filename,
        contentType: file.contentType ?? "application/octet-stream",
        size: file.bytes.length,
        bytes: file.bytes,
        url: `${ctx.baseUrl()}/attachments/${input.channelId}/${id}/${encodeURIComponent(file.filename)}`,
      };
    });
    const createdAt = input.createdAt ?? ctx.clock.now();
    return ctx.store.create({
      id: ctx.newId(),
      channelId: input.channelId,
      guildId,
      author: input.author ?? ctx.botUser,
      type: input.fromInteraction ? 20 : 0,
      createdAt,
      webhookId: input.fromInteraction ? ctx.applicationId : null,
      interactionId: null,
      content: input.content ?? "",
      embeds: input.embeds ?? [],
      components: input.components ?? [],
      attachments,
      flags: 0,
    });
  }

  #reaction(added: boolean, input: ReactOptions): void {
    const ctx = this.ctx;
    const user = input.user ?? this.defaultUser;
    const emoji = typeof input.emoji === "string" ? parseEmoji(encodeURIComponent(input.emoji)) : input.emoji;
    const message = ctx.store.get(input.messageId);
    if (message) {
      const changed = added
        ? ctx.store.addReaction(message, emoji, user.id)
        : ctx.store.removeReaction(message, emoji, user.id);
      if (!changed) return;
    }
    const target = {
      channelId: input.channelId,
      messageId: input.messageId,
      ...(message ? { authorId: message.author.id } : {}),
    };
    dispatchReaction(ctx, added, target, emoji, user);
  }
}
