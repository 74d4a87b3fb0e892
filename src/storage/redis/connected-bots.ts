import type { RedisConnection } from "./redis-connection.js";

/** The name a bot's storage connection shows in `CLIENT LIST` (`openStorage`'s default). */
export const botClientName = "comfycord";

/**
 * The addresses of bot processes connected to this Redis, for operator commands that must not
 * run beside a bot (`migrate-store`, `forget`): on Redis there is no folder lock to take, but
 * every bot names its connection. Undefined when the server refuses CLIENT LIST (an ACL without
 * it): the caller then cannot tell.
 */
export async function connectedBots(connection: RedisConnection): Promise<string[] | undefined> {
  let clients;
  try {
    clients = await connection.client.clientList();
  } catch {
    return undefined;
  }
  return clients.filter((entry) => entry.name === botClientName).map((entry) => entry.addr);
}
