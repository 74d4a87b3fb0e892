import { Events, Status, type Client } from "discord.js";
import type { Logger } from "pino";
import type { Core } from "../app/build-core.js";
import { shardPlanOf } from "../config/discord-shards.js";
import type { AppConfig } from "../config/load-config.js";
import type { BotMetrics } from "../ops/metrics.js";
import { resultActionsFor } from "../app/action-workflows.js";
import { unreachableNotice } from "../presentation/user-messages.js";
import type { MetaStore } from "../storage/meta-store.js";
import type { BotServices } from "./bot-services.js";
import { commandDefinitions, type CommandRecord } from "./command-record.js";
import { createDiscordClient } from "./create-client.js";
import { isDiscordCdnUrl } from "./discord-cdn.js";
import { routeInteraction } from "./interaction-router.js";
import { JobMessages } from "./job-messages.js";
import { loginFailure } from "./login-failure.js";
import { MessageTransport } from "./message-transport.js";
import { ReactionHandler } from "./reaction-handler.js";
import { registerCommands } from "./register-commands.js";

export interface DiscordBotOptions {
  config: AppConfig;
  token: string;
  core: Core;
  /** The storage's meta store: the registration hash lives there. */
  meta: MetaStore;
  logger: Logger;
  metrics?: BotMetrics | undefined;
  /** The slash commands (`src/commands/registry.ts`): routed and registered from this one list. */
  commands: readonly CommandRecord[];
  now?: () => number;
}

export interface DiscordBot {
  client: Client;
  services: BotServices;
  /** Gateway connected and ready. */
  isReady: () => boolean;
  close: () => Promise<void>;
}

/**
 * The Discord adapter: logs in, registers commands when they changed, and wires interactions,
 * reactions and job messages to the core. Subscribes to the queue before the core starts so a
 * job recovered at start-up still gets its final message.
 */
export async function startDiscordBot(options: DiscordBotOptions): Promise<DiscordBot> {
  const { config, core, logger } = options;
  const now = options.now ?? Date.now;
  const client = createDiscordClient({ apiUrl: config.env.DISCORD_API_URL, shards: shardPlanOf(config.env) });
  const discordLogger = logger.child({ module: "discord" });
  client.rest.on("rateLimited", (info) => {
    options.metrics?.recordDiscordRateLimit(info.route);
    discordLogger.debug(
      { route: info.route, retryAfter: info.retryAfter, global: info.global },
      "Discord rate limit",
    );
  });
  const transport = new MessageTransport(client, discordLogger, now);
  // Members see a host's operator label, never its address (the backend id).
  const hostLabel = (id: string): string => core.hostLabels.get(id) ?? "an image server";
  const jobMessages = new JobMessages({
    queue: core.queue,
    transport,
    settings: core.settings,
    results: core.results,
    logger: discordLogger.child({ part: "progress" }),
    editIntervalMs: config.file.discord.editIntervalMs,
    delivery: { retryWindowMs: config.file.discord.deliveryRetrySeconds * 1000 },
    channelEditsPerSecond: config.file.discord.channelEditsPerSecond,
    backendLabel: hostLabel,
    resultActions: (job) => resultActionsFor(job, core.templates, core.actions),
    metrics: options.metrics,
    unreachableNotice: () =>
      core.pool.backends.some((backend) => backend.health.online) ? undefined : unreachableNotice,
    now,
  });
  for (const backend of core.pool.backends) backend.on("health", () => jobMessages.refreshWaiting());
  const services: BotServices = {
    generation: core.generation,
    queue: core.queue,
    jobMessages,
    transport,
    settings: core.settings,
    results: core.results,
    inputs: core.inputs,
    actions: core.actions,
    trustedCdn: (url) => isDiscordCdnUrl(url, config.env.DISCORD_API_URL),
    hosts: () =>
      core.pool.backends.map((backend) => ({
        id: backend.id,
        label: hostLabel(backend.id),
        online: backend.health.online,
        inFlight: backend.inFlight,
        lastError: backend.health.lastError,
      })),
    hostLabel,
    paramChoices: core.paramChoices,
    presetChoices: core.presetChoices,
    logger: discordLogger,
    retentionDays: config.file.retention.days,
    backupDays: config.file.retention.backupDays,
    now,
  };
  const { commands } = options;
  const reactions = new ReactionHandler(client, services);

  client.on(Events.InteractionCreate, (interaction) => {
    void routeInteraction(interaction, services, commands);
  });
  client.on(Events.MessageReactionAdd, (reaction, user) => {
    reactions.handle(reaction, user).catch((error: unknown) => {
      discordLogger.error({ err: error, messageId: reaction.message.id }, "reaction handling failed");
    });
  });
  client.on(Events.Error, (error) => discordLogger.error({ err: error }, "Discord client error"));
  client.on(Events.ShardDisconnect, (event, shard) =>
    discordLogger.warn({ code: event.code, shard }, "Discord gateway disconnected"),
  );
  client.on(Events.ShardResume, (shard) => discordLogger.info({ shard }, "Discord gateway resumed"));

  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  // A gateway that closes for good during login says why (4004: the token was refused).
  let closeCode: number | undefined;
  const onDisconnect = (event: { code: number }) => (closeCode = event.code);
  client.on(Events.ShardDisconnect, onDisconnect);
  try {
    await client.login(options.token);
  } catch (error) {
    // Nothing else holds the client yet: let it go, so the failed start can end the process.
    await client.destroy();
    throw loginFailure(error, { apiUrl: config.env.DISCORD_API_URL, closeCode });
  } finally {
    client.off(Events.ShardDisconnect, onDisconnect);
  }
  await ready;
  discordLogger.info({ user: client.user?.tag, guilds: client.guilds.cache.size }, "connected to Discord");

  const applicationId = client.application?.id ?? client.user!.id;
  try {
    await registerCommands({
      rest: client.rest,
      applicationId,
      guildId: config.env.DISCORD_GUILD_ID,
      commands: commandDefinitions(commands, { templates: core.templates, presets: core.presets }),
      meta: options.meta,
      logger: discordLogger,
    });
  } catch (error) {
    // The bot still answers commands registered earlier; the log says what Discord refused.
    discordLogger.error({ err: error }, "slash command registration failed");
  }

  await core.start();
  await jobMessages.resume(core.queue.unfinished());
  // Results a previous run made but could not post (a crash, a long Discord outage).
  await jobMessages.redeliver();

  return {
    client,
    services,
    isReady: () => client.isReady() && client.ws.status === Status.Ready,
    close: async () => {
      reactions.close();
      await jobMessages.settled();
      jobMessages.close();
      await client.destroy();
    },
  };
}
