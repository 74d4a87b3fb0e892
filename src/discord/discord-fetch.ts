import type { RESTOptions } from "discord.js";

/**
 * discord.js's REST requests through Node's own fetch rather than @discordjs/rest's bundled
 * undici: importing a newer undici (the ComfyUI client) installs its Agent as the process-wide
 * dispatcher, and the bundled undici's request() then hands multipart FormData bodies to that
 * Agent, which cannot read them (every upload failed with "action is not a function"). fetch
 * encodes the body itself before dispatching.
 *
 * The request is typed with the bundled undici's types, which differ from Node's own; @discordjs/rest
 * only ever sends a method, string headers, a string, FormData or byte body and a signal, so those
 * are copied across.
 */
export const fetchForDiscord: RESTOptions["makeRequest"] = async (url, init) => {
  const headers: Record<string, string> = {};
  if (init.headers && !Array.isArray(init.headers)) {
    for (const [name, value] of Object.entries(init.headers)) {
      if (typeof value === "string") headers[name] = value;
    }
  }
  const { body } = init;
  return fetch(url, {
    ...(init.method === undefined ? {} : { method: init.method }),
    headers,
    body: typeof body === "string" || body instanceof FormData || body instanceof Uint8Array ? body : null,
    signal: init.signal ?? null,
  });
};
