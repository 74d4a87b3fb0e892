import { Client, GatewayIntentBits, Partials, type RESTOptions } from "discord.js";

export interface ClientSettings {
  /** Base of the REST API (`DISCORD_API_URL`), e.g. a REST proxy or a test's fake Discord. */
  apiUrl: string;
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
      // Node's own fetch, not @discordjs/rest's bundled undici 6: importing undici 8 (our ComfyUI
      // client) installs its Agent as the process-wide dispatcher, and undici 6's request() then
      // hands multipart FormData bodies to that Agent, which refuses them (every upload fails with
      // "body must be a FormData created by this undici package instance"; with undici 7 it was
      // "action is not a function"). fetch encodes the body itself before dispatching.
      makeRequest: fetch as unknown as RESTOptions["makeRequest"],
    },
    // Prompts are user text: never let a result ping anyone.
    allowedMentions: { parse: [], repliedUser: false },
  });
}
