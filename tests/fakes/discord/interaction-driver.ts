import { randomBytes } from "node:crypto";
import { ComponentType, InteractionResponseType, InteractionType } from "discord-api-types/v10";
import type { FakeDiscordContext } from "./fake-discord-context.js";
import type { FakeUser } from "./guild-fixture.js";
import type { Json } from "./guild-payloads.js";
import type { CommandOptionValue, OptionValue } from "./interaction-payloads.js";
import { commandData, interactionPayload } from "./interaction-payloads.js";
import type { InteractionAck, InteractionRecord } from "./interaction-registry.js";
import type { StoredMessage } from "./message-store.js";
import { messagePayload } from "./message-store.js";
import { modalSubmitData } from "./modal-payloads.js";
import { waitUntil } from "./recorder.js";

const DEFAULT_WAIT_MS = 5000;

export interface InvokeSlashOptions {
  name: string;
  /**
   * Plain values, typed from the bot's registered command definition (else inferred from JS types);
   * a `{ filename, bytes }` value is a file attached to an attachment option.
   */
  options?: Record<string, CommandOptionValue>;
  subcommand?: string;
  subcommandGroup?: string;
  /** Defaults to alice. */
  user?: FakeUser;
  /** Defaults to #general. */
  channelId?: string;
  /** Overrides the member's computed guild permissions (bitfield). */
  memberPermissions?: string | bigint;
  locale?: string;
}

export interface AutocompleteOptions extends Omit<InvokeSlashOptions, "options"> {
  /** The option being typed in. */
  focused: string;
  /** Current (partial) values, including the focused one; the focused one defaults to "". */
  options?: Record<string, OptionValue>;
}

export interface SubmitModalOptions {
  /** The interaction the bot answered with a modal (callback type 9). */
  interaction: InteractionHandle;
  /** Values typed into the text inputs, by custom id; the others keep their prefilled values. */
  values?: Record<string, string>;
  /** Defaults to whoever opened the modal. */
  user?: FakeUser;
}

export interface ClickButtonOptions {
  message: StoredMessage | string;
  customId: string;
  user?: FakeUser;
}

/** A sent interaction and what the bot has answered so far. */
export interface InteractionHandle {
  readonly id: string;
  readonly token: string;
  readonly payload: Json;
  readonly record: InteractionRecord;
  /** The initial response (callback type and data); waits for it. */
  ack(timeoutMs?: number): Promise<InteractionAck>;
  /** The current `@original` message once acknowledged (the loading message right after a defer). */
  reply(timeoutMs?: number): Promise<StoredMessage>;
  /** Waits until `@original` satisfies the predicate, e.g. `(m) => m.attachments.length > 0`. */
  waitForReply(predicate: (message: StoredMessage) => boolean, timeoutMs?: number): Promise<StoredMessage>;
  /** Follow-up messages (not counting a follow-up that replaced a deferred `@original`). */
  readonly followups: StoredMessage[];
  waitForFollowup(predicate: (message: StoredMessage) => boolean, timeoutMs?: number): Promise<StoredMessage>;
}

/** The "user side" of interactions: what a person clicking in the Discord client would cause. */
export class InteractionDriver {
  constructor(
    private readonly ctx: FakeDiscordContext,
    private readonly defaultUser: FakeUser,
    private readonly defaultChannelId: string,
  ) {}

  invokeSlash(input: InvokeSlashOptions): InteractionHandle {
    const channelId = input.channelId ?? this.defaultChannelId;
    const data = commandData(this.ctx, { ...input, channelId, guildId: this.#guildOf(channelId) });
    return this.#send(
      InteractionType.ApplicationCommand,
      input.user,
      channelId,
      data,
      input.memberPermissions,
      undefined,
      input.locale,
    );
  }

  /** Sends an autocomplete interaction and resolves with the choices the bot answered (type 8). */
  async autocomplete(input: AutocompleteOptions, timeoutMs = DEFAULT_WAIT_MS): Promise<Json[]> {
    const channelId = input.channelId ?? this.defaultChannelId;
    const options: Record<string, OptionValue> = { [input.focused]: "", ...input.options };
    const data = commandData(this.ctx, { ...input, options, channelId, guildId: this.#guildOf(channelId) });
    const handle = this.#send(
      InteractionType.ApplicationCommandAutocomplete,
      input.user,
      channelId,
      data,
      input.memberPermissions,
      undefined,
      input.locale,
    );
    const ack = await handle.ack(timeoutMs);
    const choices = ack.data?.["choices"];
    if (
      ack.type !== InteractionResponseType.ApplicationCommandAutocompleteResult ||
      !Array.isArray(choices)
    ) {
      throw new Error(
        `fake Discord: autocomplete answered with callback type ${ack.type}, not 8 (autocomplete result)`,
      );
    }
    return choices as Json[];
  }

  clickButton(input: ClickButtonOptions): InteractionHandle {
    const message = typeof input.message === "string" ? this.ctx.store.get(input.message) : input.message;
    if (!message) throw new Error("fake Discord: clickButton on an unknown message");
    const data = { custom_id: input.customId, component_type: ComponentType.Button };
    const payload = messagePayload(message, undefined, this.ctx.applicationId);
    const handle = this.#send(
      InteractionType.MessageComponent,
      input.user,
      message.channelId,
      data,
      undefined,
      payload,
      undefined,
    );
    handle.record.originalMessageId = message.id;
    return handle;
  }

  /**
   * The MODAL_SUBMIT (type 5) for a modal the bot opened: its custom id and the text inputs' values.
   * A modal opened from a button carries that button's message, as Discord's payload does.
   */
  submitModal(input: SubmitModalOptions): InteractionHandle {
    const opened = input.interaction.record;
    if (opened.ack?.type !== InteractionResponseType.Modal || !opened.ack.data) {
      throw new Error("fake Discord: submitModal on an interaction that did not open a modal");
    }
    const data = modalSubmitData(opened.ack.data, input.values ?? {});
    const origin =
      opened.type === InteractionType.MessageComponent && opened.originalMessageId !== null
        ? this.ctx.store.get(opened.originalMessageId)
        : undefined;
    const payload = origin ? messagePayload(origin, undefined, this.ctx.applicationId) : undefined;
    const handle = this.#send(
      5,
      input.user ?? opened.user,
      opened.channelId,
      data,
      undefined,
      payload,
      undefined,
    );
    if (origin) handle.record.originalMessageId = origin.id;
    return handle;
  }

  #guildOf(channelId: string): string {
    const guild = this.ctx.guilds.find((g) => g.channels.some((c) => c.id === channelId));
    if (!guild) throw new Error(`fake Discord: unknown channel ${channelId}`);
    return guild.id;
  }

  #send(
    type: InteractionType,
    user: FakeUser | undefined,
    channelId: string,
    data: Json,
    memberPermissions: string | bigint | undefined,
    message: Json | undefined,
    locale: string | undefined,
  ): InteractionHandle {
    const ctx = this.ctx;
    const id = ctx.newId();
    const token = `aW50ZXJhY3Rpb246${id}:${randomBytes(48).toString("base64url")}`;
    const who = user ?? this.defaultUser;
    const payload = interactionPayload(ctx, {
      id,
      token,
      type,
      user: who,
      channelId,
      data,
      memberPermissions,
      locale,
      ...(message === undefined ? {} : { message }),
    });
    const record: InteractionRecord = {
      id,
      token,
      type,
      createdAt: ctx.clock.now(),
      channelId,
      guildId: this.#guildOf(channelId),
      user: who,
      payload,
      ack: null,
      originalMessageId: null,
      followupIds: [],
      deferredFollowupPending: false,
    };
    ctx.interactions.add(record);
    ctx.gateway.dispatch("INTERACTION_CREATE", payload);
    return createHandle(ctx, record);
  }
}

/** Waits until `read()` returns a value, re-reading whenever a message or interaction changes. */
function waitForState<T>(
  ctx: FakeDiscordContext,
  read: () => T | undefined,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const now = read();
  if (now !== undefined) return Promise.resolve(now);
  return waitUntil<T>(
    (resolve) => {
      const check = (): void => {
        const value = read();
        if (value !== undefined) resolve(value);
      };
      const stopMessages = ctx.store.watch(check);
      const stopInteractions = ctx.interactions.watch(check);
      return () => {
        stopMessages();
        stopInteractions();
      };
    },
    timeoutMs,
    what,
  );
}

function createHandle(ctx: FakeDiscordContext, record: InteractionRecord): InteractionHandle {
  const original = (): StoredMessage | undefined =>
    record.ack && record.originalMessageId !== null
      ? ctx.store.getEvenDeleted(record.originalMessageId)
      : undefined;
  const followups = (): StoredMessage[] =>
    record.followupIds.flatMap((id) => {
      const message = ctx.store.getEvenDeleted(id);
      return message ? [message] : [];
    });
  const label = `interaction ${record.id}`;
  return {
    id: record.id,
    token: record.token,
    payload: record.payload,
    record,
    ack: (timeoutMs = DEFAULT_WAIT_MS) =>
      waitForState(ctx, () => record.ack ?? undefined, timeoutMs, `${label} ack`),
    reply: (timeoutMs = DEFAULT_WAIT_MS) => waitForState(ctx, original, timeoutMs, `${label} reply`),
    waitForReply: (predicate, timeoutMs = DEFAULT_WAIT_MS) =>
      waitForState(
        ctx,
        () => {
          const message = original();
          return message && predicate(message) ? message : undefined;
        },
        timeoutMs,
        `${label} reply matching predicate`,
      ),
    get followups() {
      return followups();
    },
    waitForFollowup: (predicate, timeoutMs = DEFAULT_WAIT_MS) =>
      waitForState(ctx, () => followups().find(predicate), timeoutMs, `${label} follow-up`),
  };
}
