import { Client, GatewayIntentBits, Partials } from "discord.js";
import type { ShardPlan } from "../scale/guild-shards.js";
import { fetchForDiscord } from "./discord-fetch.js";

export interface ClientSettings {
  /** Base of the REST API (`DISCORD_API_URL`), e.g. a REST proxy or a test's fake Discord. */
  apiUrl: string;
  /** `DISCORD_SHARD_IDS` of `DISCORD_SHARD_COUNT`; undefined: this process runs every shard. */
  shards?: ShardPlan | undefined;
}

/**
 * Only the intents the bot needs: Guilds (channel cache, `nsfw`) and GuildMessageReactions
 * (🎲 / ❌). No MessageContent: slash commands carry their options. The Message, Reaction and
 * User partials make reactions on messages posted before a restart arrive at all.
 */
export function createDiscordClient(settings: ClientSettings): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions],
    partials: [Partials.Message, Partials.Reaction, Partials.User],
    rest: {
      api: settings.apiUrl,
      makeRequest: fetchForDiscord,
    },
    // Prompts are user text: never let a result ping anyone.
    allowedMentions: { parse: [], repliedUser: false },
    // Several processes split the shards between them; each connects only its own.
    ...(settings.shards ? { shards: [...settings.shards.ids], shardCount: settings.shards.count } : {}),
  });
}
