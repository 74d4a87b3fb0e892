import { Client, Events, GatewayIntentBits, Partials } from "discord.js";
import type { ClientOptions, Interaction } from "discord.js";
import { PNG } from "pngjs";
import type { FakeDiscord } from "../fakes/discord/index.js";

/** A real discord.js client pointed at the fake, logged in and past clientReady. */
export async function startClient(
  discord: FakeDiscord,
  overrides: Partial<ClientOptions> = {},
): Promise<Client> {
  const client = new Client({
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMessages,
      GatewayIntentBits.GuildMessageReactions,
    ],
    partials: [Partials.Message, Partials.Reaction, Partials.User],
    ...overrides,
    rest: { api: discord.apiUrl, ...overrides.rest },
  });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  try {
    await client.login(discord.botToken);
    await ready;
  } catch (error) {
    await client.destroy();
    throw error;
  }
  return client;
}

/** A small real PNG, so width/height detection and byte equality are checked on genuine image data. */
export function tinyPng(width = 4, height = 3): Buffer {
  const png = new PNG({ width, height });
  for (let i = 0; i < png.data.length; i += 4) {
    png.data[i] = (i * 7) % 256;
    png.data[i + 1] = 128;
    png.data[i + 2] = 255 - ((i * 3) % 256);
    png.data[i + 3] = 255;
  }
  return PNG.sync.write(png);
}

export interface HandlerRuns {
  /** Errors thrown by handler runs (a test asserts this stays empty). */
  failures: unknown[];
  /** Resolves once `count` handler runs have finished, so assertions see the handler's final state. */
  finished(count?: number, timeoutMs?: number): Promise<void>;
}

/** Registers one interaction handler that records its failures instead of losing them. */
export function onInteraction(
  client: Client,
  handler: (interaction: Interaction) => Promise<void>,
): HandlerRuns {
  const failures: unknown[] = [];
  let done = 0;
  const waiters = new Set<() => void>();
  client.on(Events.InteractionCreate, (interaction) => {
    handler(interaction)
      .catch((error: unknown) => failures.push(error))
      .finally(() => {
        done += 1;
        for (const waiter of [...waiters]) waiter();
      });
  });
  return {
    failures,
    finished: (count = 1, timeoutMs = 5000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${done} of ${count} handler runs finished`)),
          timeoutMs,
        );
        const check = (): void => {
          if (done < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      }),
  };
}
