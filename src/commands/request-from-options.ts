import type { ChatInputCommandInteraction } from "discord.js";
import type { RequestInput } from "../request/generation-request.js";
import { paramRows } from "../request/param-table.js";

/**
 * The member's `/generate` options as a request: one read per table row that has a Discord
 * option, typed by the row's kind. Options the member left out are left out. The generation
 * service checks the result against the request schema.
 */
export function requestFromOptions(options: ChatInputCommandInteraction["options"]): RequestInput {
  const request: RequestInput = {};
  for (const row of paramRows) {
    if (!row.discord) continue;
    let value: string | number | null;
    switch (row.type.kind) {
      case "text":
      case "name":
      case "choice":
        value = options.getString(row.name);
        break;
      case "integer":
        value = options.getInteger(row.name);
        break;
      case "number":
        value = options.getNumber(row.name);
        break;
      case "image":
        // An attachment becomes a request value only once it is downloaded, checked and kept
        // (`generate-from-image.ts`); `/generate` reads it with getAttachment.
        continue;
    }
    if (value !== null) request[row.name] = value;
  }
  return request;
}
