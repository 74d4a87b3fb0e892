// The public surface other tests import: the server, its driver types and the fixture types.
export { startFakeDiscord } from "./fake-discord.js";
export type { FakeDiscord, FakeDiscordOptions } from "./fake-discord.js";
export type {
  AutocompleteOptions,
  ClickButtonOptions,
  InteractionHandle,
  InvokeSlashOptions,
  SubmitModalOptions,
} from "./interaction-driver.js";
export type { InteractionAck, InteractionRecord } from "./interaction-registry.js";
export type { StoredAttachment, StoredMessage, StoredReaction, MessageEdit } from "./message-store.js";
export { MessageFlags } from "./message-store.js";
export type { RecordedFile, RecordedRequest } from "./router.js";
export type { GatewayConnection, GatewayFrame } from "./gateway.js";
export { Intents } from "./gateway.js";
export type {
  BucketRule,
  BucketRules,
  Inject429Options,
  InjectErrorOptions,
  RateLimitHit,
  RequestMatcher,
} from "./rate-limits.js";
export type {
  FakeChannel,
  FakeMember,
  FakeRole,
  FakeUser,
  GuildFixture,
  DefaultWorld,
} from "./guild-fixture.js";
export { Permission } from "./guild-fixture.js";
export { guildOnShard } from "./shard-guilds.js";
export { onShard } from "./gateway.js";
export type { ReactOptions, SeedMessageOptions } from "./user-actions.js";
export type { CommandOptionValue, FakeUpload, OptionValue } from "./interaction-payloads.js";
