import { DiscordApiError } from "../discord-api-error.js";
import type { FakeDiscordContext } from "../fake-discord-context.js";
import { findUser } from "../fake-discord-context.js";
import { guildPayload, memberPayload, userPayload } from "../guild-payloads.js";
import type { RouteDefinition } from "../router.js";

/** Gateway discovery, users, the application and guild reads. */
export function metaRoutes(ctx: FakeDiscordContext): RouteDefinition[] {
  const gatewayUrl = (): string => `${ctx.baseUrl().replace(/^http/, "ws")}/gateway`;
  const guild = (id: string) => {
    const found = ctx.guilds.find((g) => g.id === id);
    if (!found) throw new DiscordApiError("unknownGuild");
    return found;
  };
  const application = () => ({
    id: ctx.applicationId,
    name: ctx.botUser.username,
    icon: null,
    description: "",
    bot_public: true,
    bot_require_code_grant: false,
    verify_key: "0".repeat(64),
    flags: 1 << 23,
    bot: userPayload(ctx.botUser),
    owner: userPayload(ctx.users[1] ?? ctx.botUser),
    team: null,
    approximate_guild_count: ctx.guilds.length,
    interactions_endpoint_url: null,
    integration_types_config: { "0": {} },
  });
  return [
    {
      method: "GET",
      route: "/gateway/bot",
      auth: "bot",
      handle: () => ({
        json: {
          url: gatewayUrl(),
          shards: 1,
          session_start_limit: {
            total: 1000,
            remaining: 999,
            reset_after: 86_400_000,
            max_concurrency: ctx.maxConcurrency,
          },
        },
      }),
    },
    { method: "GET", route: "/gateway", auth: "none", handle: () => ({ json: { url: gatewayUrl() } }) },
    { method: "GET", route: "/users/@me", auth: "bot", handle: () => ({ json: userPayload(ctx.botUser) }) },
    {
      method: "GET",
      route: "/users/:userId",
      auth: "bot",
      handle: ({ params }) => {
        const user = findUser(ctx, params["userId"] ?? "");
        if (!user) throw new DiscordApiError("unknownUser");
        return { json: userPayload(user) };
      },
    },
    { method: "GET", route: "/applications/@me", auth: "bot", handle: () => ({ json: application() }) },
    {
      method: "GET",
      route: "/guilds/:guildId",
      auth: "bot",
      handle: ({ params }) => ({ json: guildPayload(guild(params["guildId"] ?? "")) }),
    },
    {
      method: "GET",
      route: "/guilds/:guildId/members/:userId",
      auth: "bot",
      handle: ({ params }) => {
        const member = guild(params["guildId"] ?? "").members.find((m) => m.user.id === params["userId"]);
        if (!member) throw new DiscordApiError("unknownMember");
        return { json: memberPayload(member) };
      },
    },
  ];
}
