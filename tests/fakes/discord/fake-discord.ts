import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { FakeClock } from "../../support/fake-clock.js";
import { CommandRegistry } from "./command-registry.js";
import type { FakeDiscordContext, ResolvedSettings } from "./fake-discord-context.js";
import type { GatewayConnection, GatewayFrame } from "./gateway.js";
import { FakeGateway, Intents, onShard } from "./gateway.js";
import type { DefaultWorld, FakeChannel, FakeRole, FakeUser, GuildFixture } from "./guild-fixture.js";
import { createDefaultWorld } from "./guild-fixture.js";
import { guildCreatePayload, memberPayload, userPayload } from "./guild-payloads.js";
import type {
  AutocompleteOptions,
  ClickButtonOptions,
  InteractionHandle,
  InvokeSlashOptions,
  SubmitModalOptions,
} from "./interaction-driver.js";
import { InteractionDriver } from "./interaction-driver.js";
import type { InteractionRecord } from "./interaction-registry.js";
import { InteractionRegistry } from "./interaction-registry.js";
import type { Json } from "./guild-payloads.js";
import type { StoredMessage } from "./message-store.js";
import { MessageStore } from "./message-store.js";
import type {
  BucketRules,
  Inject429Options,
  InjectErrorOptions,
  RateLimitHit,
  RequestMatcher,
} from "./rate-limits.js";
import { defaultBucketRules, RateLimiter } from "./rate-limits.js";
import { Recorder, waitUntil } from "./recorder.js";
import type { RecordedRequest } from "./router.js";
import { Router } from "./router.js";
import { cdnRoutes } from "./routes/cdn-routes.js";
import { channelRoutes } from "./routes/channel-routes.js";
import { commandRoutes } from "./routes/command-routes.js";
import { interactionRoutes } from "./routes/interaction-routes.js";
import { metaRoutes } from "./routes/meta-routes.js";
import { reactionRoutes } from "./routes/reaction-routes.js";
import { webhookRoutes } from "./routes/webhook-routes.js";
import type { ReactOptions, SeedMessageOptions } from "./user-actions.js";
import { UserActions } from "./user-actions.js";
import { createSnowflakes } from "./snowflake.js";

export interface FakeDiscordOptions {
  /** Interaction token lifetime (Discord: 15 min); after it webhook routes answer 401/50027. */
  tokenTtlMs?: number;
  /** Initial-response deadline (Discord: 3 s); after it callbacks answer 404/10062. */
  interactionDeadlineMs?: number;
  /** HELLO's heartbeat interval; small in tests so zombie detection and resumes are quick. */
  heartbeatIntervalMs?: number;
  buckets?: Partial<BucketRules>;
  /** Per-file upload limit, also sent as `attachment_size_limit` (Discord default 10 MiB). */
  attachmentSizeLimit?: number;
  /** Edits allowed on a message older than an hour before 30046 (Discord does not say how many). */
  oldMessageEditLimit?: number;
  /** Privileged intents the app may request (default all); others close the gateway with 4014. */
  allowedPrivilegedIntents?: number;
  /** The gateway refuses the token at IDENTIFY (close 4004) although REST accepts it. */
  gatewayRejectsToken?: boolean;
  /** Guilds replacing the default one; the function form can reuse the default world's users. */
  guilds?: GuildFixture[] | ((world: DefaultWorld) => GuildFixture[]);
  /**
   * `max_concurrency` of `GET /gateway/bot`: how many shards may IDENTIFY at once (Discord: 1 for
   * small bots, 16 and more for large ones). discord.js waits 5 s between two IDENTIFYs beyond it.
   */
  maxConcurrency?: number;
  /** Base wall clock (default `Date.now`); `await discord.clock.advance()` moves the fake's time on top of it. */
  now?: () => number;
}

export interface FakeDiscord {
  /** What the bot passes as `rest.api`. */
  apiUrl: string;
  /** `http://127.0.0.1:PORT`, also the CDN origin. */
  baseUrl: string;
  gatewayUrl: string;
  resumeGatewayUrl: string;
  botToken: string;
  applicationId: string;
  botUser: FakeUser;
  users: DefaultWorld["users"];
  guild: GuildFixture;
  channels: { general: FakeChannel; art: FakeChannel; thread: FakeChannel };
  roles: { everyone: FakeRole; moderator: FakeRole; bot: FakeRole };
  clock: FakeClock;
  messages: MessageStore;
  readonly requests: RecordedRequest[];
  readonly gatewayFrames: GatewayFrame[];
  readonly connections: GatewayConnection[];
  readonly rateLimitHits: RateLimitHit[];
  readonly interactions: InteractionRecord[];
  /** Registered commands of a scope: `"global"` or a guild id. */
  commands(scope?: string): Json[];

  invokeSlash(input: InvokeSlashOptions): InteractionHandle;
  autocomplete(input: AutocompleteOptions, timeoutMs?: number): Promise<Json[]>;
  clickButton(input: ClickButtonOptions): InteractionHandle;
  /** Submits the modal an interaction answered with (callback type 9), as the member's client does. */
  submitModal(input: SubmitModalOptions): InteractionHandle;
  react(input: ReactOptions): void;
  unreact(input: ReactOptions): void;
  seedMessage(input: SeedMessageOptions): StoredMessage;
  /** A message deleted by someone in the Discord client (MESSAGE_DELETE is dispatched). */
  deleteMessage(messageId: string): void;

  waitForRequest(predicate: (req: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  waitForMessage(predicate: (message: StoredMessage) => boolean, timeoutMs?: number): Promise<StoredMessage>;
  waitForGatewayFrame(predicate: (frame: GatewayFrame) => boolean, timeoutMs?: number): Promise<GatewayFrame>;

  inject429(matcher: RequestMatcher, options: Inject429Options): void;
  /** Answers matching requests with e.g. a 502 (`{ status: 502, count: 1 }`). */
  injectError(matcher: RequestMatcher, options: InjectErrorOptions): void;
  closeGateway(code?: number): void;
  killGateway(): void;
  sendReconnect(): void;
  invalidateSession(resumable: boolean): Promise<void>;
  setHeartbeatAck(enabled: boolean): void;
  close(): Promise<void>;
}

const DEFAULT_WAIT_MS = 5000;

/** Starts a fake Discord (REST under /api/v10, gateway over ws, CDN) on 127.0.0.1 with a random port. */
export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const clock = new FakeClock(options.now ?? Date.now);
  const newId = createSnowflakes(clock.now);
  const world = createDefaultWorld(newId, clock.now);
  const guilds =
    typeof options.guilds === "function" ? options.guilds(world) : (options.guilds ?? [world.guild]);
  const firstGuild = guilds[0];
  if (!firstGuild) throw new Error("fake Discord needs at least one guild");
  const users = [world.botUser, world.users.alice, world.users.bob, world.users.mod];
  for (const member of guilds.flatMap((g) => g.members)) {
    if (!users.some((u) => u.id === member.user.id)) users.push(member.user);
  }
  const settings: ResolvedSettings = {
    tokenTtlMs: options.tokenTtlMs ?? 15 * 60_000,
    interactionDeadlineMs: options.interactionDeadlineMs ?? 3000,
    attachmentSizeLimit: options.attachmentSizeLimit ?? 10 * 1024 * 1024,
    oldMessageEditLimit: options.oldMessageEditLimit ?? 3,
    oldMessageAgeMs: 60 * 60_000,
  };
  const botToken = `${Buffer.from(world.botUser.id).toString("base64url")}.fake.${randomBytes(20).toString("base64url")}`;
  const applicationId = world.botUser.id;
  const frames = new Recorder<GatewayFrame>();
  const requests = new Recorder<RecordedRequest>();
  let baseUrl = "";
  const joinedAt = new Date(clock.now() - 86_400_000).toISOString();
  const gateway = new FakeGateway({
    botToken,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1000,
    now: clock.now,
    newSessionId: () => randomBytes(16).toString("hex"),
    readyPayload: (sessionId, shard) => ({
      v: 10,
      user: { ...userPayload(world.botUser), verified: true, mfa_enabled: false, email: null },
      guilds: guilds.filter((g) => onShard(g.id, shard)).map((g) => ({ id: g.id, unavailable: true })),
      session_id: sessionId,
      session_type: "normal",
      resume_gateway_url: `${baseUrl.replace(/^http/, "ws")}/gateway-resume`,
      application: { id: applicationId, flags: 1 << 23 },
      shard,
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      user_settings: {},
      _trace: ["fake-discord"],
    }),
    guildCreatePayloads: (shard) =>
      guilds.filter((g) => onShard(g.id, shard)).map((g) => guildCreatePayload(g, joinedAt)),
    membersChunk: (request) => {
      const guild = guilds.find((g) => g.id === request["guild_id"]);
      if (!guild) return undefined;
      return {
        guild_id: guild.id,
        members: guild.members.map(memberPayload),
        chunk_index: 0,
        chunk_count: 1,
        not_found: [],
        ...(request["nonce"] === undefined ? {} : { nonce: request["nonce"] }),
      };
    },
    rejectToken: options.gatewayRejectsToken ?? false,
    allowedPrivilegedIntents:
      options.allowedPrivilegedIntents ??
      Intents.guildMembers | Intents.guildPresences | Intents.messageContent,
    frames,
  });
  const ctx: FakeDiscordContext = {
    maxConcurrency: options.maxConcurrency ?? 1,
    settings,
    clock,
    newId,
    botToken,
    applicationId,
    botUser: world.botUser,
    users,
    guilds,
    store: new MessageStore(),
    interactions: new InteractionRegistry(),
    commands: new CommandRegistry(applicationId, newId),
    uploads: new Map(),
    gateway,
    baseUrl: () => baseUrl,
  };
  const limiter = new RateLimiter({ ...defaultBucketRules, ...options.buckets }, clock.now);
  const router = new Router({ botToken, limiter, requests, now: clock.now });
  router.add(
    ...metaRoutes(ctx),
    ...commandRoutes(ctx),
    ...interactionRoutes(ctx),
    ...webhookRoutes(ctx),
    ...reactionRoutes(ctx),
    ...channelRoutes(ctx),
    ...cdnRoutes(ctx),
  );
  const server = createServer((req, res) => {
    router.handle(req, res).catch((error: unknown) => {
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  gateway.attach(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const defaultChannel = firstGuild.channels.find((c) => c.type === 0) ?? world.channels.general;
  const driver = new InteractionDriver(ctx, world.users.alice, defaultChannel.id);
  const actions = new UserActions(ctx, world.users.alice);
  return {
    apiUrl: `${baseUrl}/api`,
    baseUrl,
    gatewayUrl: `${baseUrl.replace(/^http/, "ws")}/gateway`,
    resumeGatewayUrl: `${baseUrl.replace(/^http/, "ws")}/gateway-resume`,
    botToken,
    applicationId,
    botUser: world.botUser,
    users: world.users,
    guild: firstGuild,
    channels: world.channels,
    roles: world.roles,
    clock,
    messages: ctx.store,
    requests: requests.items,
    gatewayFrames: frames.items,
    connections: gateway.connections,
    rateLimitHits: limiter.hits,
    get interactions() {
      return ctx.interactions.all;
    },
    commands: (scope = "global") => ctx.commands.list(scope),
    invokeSlash: (input) => driver.invokeSlash(input),
    autocomplete: (input, timeoutMs) => driver.autocomplete(input, timeoutMs),
    clickButton: (input) => driver.clickButton(input),
    submitModal: (input) => driver.submitModal(input),
    react: (input) => actions.react(input),
    unreact: (input) => actions.unreact(input),
    seedMessage: (input) => actions.seedMessage(input),
    deleteMessage: (messageId) => actions.deleteMessage(messageId),
    waitForRequest: (predicate, timeoutMs = DEFAULT_WAIT_MS) =>
      requests.waitFor(predicate, timeoutMs, "a request"),
    waitForGatewayFrame: (predicate, timeoutMs = DEFAULT_WAIT_MS) =>
      frames.waitFor(predicate, timeoutMs, "a gateway frame"),
    waitForMessage: (predicate, timeoutMs = DEFAULT_WAIT_MS) => {
      const found = ctx.store.all.find((m) => !m.deleted && predicate(m));
      if (found) return Promise.resolve(found);
      return waitUntil<StoredMessage>(
        (resolve) =>
          ctx.store.watch((m) => {
            if (!m.deleted && predicate(m)) resolve(m);
          }),
        timeoutMs,
        "a message",
      );
    },
    inject429: (matcher, injected) => limiter.inject429(matcher, injected),
    injectError: (matcher, injected) => limiter.injectError(matcher, injected),
    closeGateway: (code) => gateway.closeGateway(code),
    killGateway: () => gateway.killGateway(),
    sendReconnect: () => gateway.sendReconnect(),
    invalidateSession: (resumable) => gateway.invalidateSession(resumable),
    setHeartbeatAck: (enabled) => {
      gateway.heartbeatAck = enabled;
    },
    close: async () => {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
