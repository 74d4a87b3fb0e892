import { z } from "zod";

/** Where the bot keeps its data: the SQLite file in a data folder, or a Redis server. */
export type StoreTarget =
  /** `dataDir` is set only where a command names the folder (`migrate-store --from sqlite:<dir>`). */
  | { kind: "sqlite"; dataDir?: string }
  /** `url` may carry credentials: show it only through `redactRedisUrl`. */
  | { kind: "redis"; url: string };

export const storeUrlHelp =
  'expected "sqlite:" (the SQLite file in DATA_DIR, the default) or a Redis URL ' +
  "redis://host:port/db (rediss:// for TLS; credentials go before the host)";

/**
 * Reads a store URL. `sqlite:` alone means the file in DATA_DIR; `sqlite:<folder>` names the data
 * folder, which only the operator commands accept (the bot takes its folder from DATA_DIR).
 * Returns a sentence for the operator when the text is not one.
 */
export function parseStoreUrl(
  text: string,
  options: { allowSqliteFolder?: boolean } = {},
): StoreTarget | { problem: string } {
  if (text.startsWith("sqlite:")) {
    const folder = text.slice("sqlite:".length);
    if (folder === "") return { kind: "sqlite" };
    if (options.allowSqliteFolder) return { kind: "sqlite", dataDir: folder };
    return { problem: 'expected "sqlite:" alone: the SQLite file lives in DATA_DIR, set that instead' };
  }
  if (!/^rediss?:\/\//i.test(text)) return { problem: storeUrlHelp };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: storeUrlHelp };
  }
  if (url.hostname === "") return { problem: `${storeUrlHelp}: the host is missing` };
  if (!/^\/?(\d+)?$/.test(url.pathname)) {
    return { problem: `${storeUrlHelp}: the database after the port is a number (0 to 15 by default)` };
  }
  if (url.search !== "" || url.hash !== "") {
    return { problem: `${storeUrlHelp}: no ?options or #fragment` };
  }
  return { kind: "redis", url: text };
}

/** `STORE_URL` in the environment schema: unset means SQLite. */
export const storeUrlSchema = z
  .string()
  .optional()
  .transform((text, context): StoreTarget => {
    if (text === undefined) return { kind: "sqlite" };
    const parsed = parseStoreUrl(text);
    if ("problem" in parsed) {
      context.addIssue({ code: "custom", message: parsed.problem, input: text });
      return z.NEVER;
    }
    return parsed;
  });
