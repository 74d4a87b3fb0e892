import type { CommandRegistry } from "./command-registry.js";
import type { FakeClock } from "../../support/fake-clock.js";
import type { FakeGateway } from "./gateway.js";
import type { FakeChannel, FakeUser, GuildFixture } from "./guild-fixture.js";
import type { InteractionRegistry } from "./interaction-registry.js";
import type { MessageStore, StoredAttachment } from "./message-store.js";

/** Settings after defaults; see `FakeDiscordOptions` for what each means. */
export interface ResolvedSettings {
  tokenTtlMs: number;
  interactionDeadlineMs: number;
  attachmentSizeLimit: number;
  oldMessageEditLimit: number;
  oldMessageAgeMs: number;
}

/** Everything route handlers and driver helpers share. */
export interface FakeDiscordContext {
  /** `max_concurrency` of `GET /gateway/bot`. */
  maxConcurrency: number;
  settings: ResolvedSettings;
  clock: FakeClock;
  newId: () => string;
  botToken: string;
  applicationId: string;
  botUser: FakeUser;
  users: FakeUser[];
  guilds: GuildFixture[];
  store: MessageStore;
  interactions: InteractionRegistry;
  commands: CommandRegistry;
  /** Files members attached to command options, served at `/ephemeral-attachments/...` like Discord's CDN. */
  uploads: Map<string, StoredAttachment>;
  gateway: FakeGateway;
  /** `http://127.0.0.1:PORT`, known once the server listens. */
  baseUrl: () => string;
}

export function findChannel(
  ctx: FakeDiscordContext,
  channelId: string,
): { guild: GuildFixture; channel: FakeChannel } | undefined {
  for (const guild of ctx.guilds) {
    const channel = guild.channels.find((c) => c.id === channelId);
    if (channel) return { guild, channel };
  }
  return undefined;
}

export function findUser(ctx: FakeDiscordContext, userId: string): FakeUser | undefined {
  return ctx.users.find((u) => u.id === userId);
}
