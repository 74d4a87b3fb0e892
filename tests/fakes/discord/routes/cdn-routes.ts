import { DiscordApiError } from "../discord-api-error.js";
import type { FakeDiscordContext } from "../fake-discord-context.js";
import type { RouteDefinition } from "../router.js";

/** The fake CDN: uploaded attachment bytes at the URLs message objects carry. */
export function cdnRoutes(ctx: FakeDiscordContext): RouteDefinition[] {
  return [
    {
      method: "GET",
      route: "/attachments/:channelId/:attachmentId/:filename",
      auth: "none",
      cdn: true,
      handle: ({ params }) => {
        const attachment = ctx.store.attachment(params["attachmentId"] ?? "");
        if (!attachment) throw new DiscordApiError("notFound");
        return { bytes: attachment.bytes, contentType: attachment.contentType };
      },
    },
    {
      // Files attached to a command option: Discord keeps them only for the interaction's use.
      method: "GET",
      route: "/ephemeral-attachments/:channelId/:attachmentId/:filename",
      auth: "none",
      cdn: true,
      handle: ({ params }) => {
        const upload = ctx.uploads.get(params["attachmentId"] ?? "");
        if (!upload) throw new DiscordApiError("notFound");
        return { bytes: upload.bytes, contentType: upload.contentType };
      },
    },
  ];
}
