import type { InteractionResponseType, InteractionType } from "discord-api-types/v10";
import type { FakeUser } from "./guild-fixture.js";
import type { Json } from "./guild-payloads.js";

export interface InteractionAck {
  /** Callback type: 4 reply, 5 defer, 6 deferred update, 7 update, 8 autocomplete result, 9 modal. */
  type: InteractionResponseType;
  at: number;
  data: Json | null;
}

export interface InteractionRecord {
  id: string;
  token: string;
  /** 2 application command, 3 component, 4 autocomplete, 5 modal submit. */
  type: InteractionType;
  createdAt: number;
  channelId: string;
  guildId: string;
  user: FakeUser;
  payload: Json;
  ack: InteractionAck | null;
  /** The message `@original` refers to: the reply for types 4/5, the clicked message for 6/7. */
  originalMessageId: string | null;
  followupIds: string[];
  /** After a defer, the first follow-up edits `@original` instead of posting (documented legacy rule). */
  deferredFollowupPending: boolean;
}

/** Interactions the driver has sent, by id and by token, with whatever the bot answered. */
export class InteractionRegistry {
  readonly #byId = new Map<string, InteractionRecord>();
  readonly #listeners = new Set<(record: InteractionRecord) => void>();

  add(record: InteractionRecord): void {
    this.#byId.set(record.id, record);
  }

  get(id: string): InteractionRecord | undefined {
    return this.#byId.get(id);
  }

  byToken(token: string): InteractionRecord | undefined {
    return [...this.#byId.values()].find((record) => record.token === token);
  }

  get all(): InteractionRecord[] {
    return [...this.#byId.values()];
  }

  /** Tells listeners that a record changed (acked, replied, followed up). */
  touch(record: InteractionRecord): void {
    for (const listener of [...this.#listeners]) listener(record);
  }

  watch(listener: (record: InteractionRecord) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
