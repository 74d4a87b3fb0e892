import { DiscordApiError } from "../discord-api-error.js";
import type { FakeDiscordContext } from "../fake-discord-context.js";
import type { RouteDefinition } from "../router.js";

/** Global (`/applications/:app/commands`) and guild command registration, with Discord's validation. */
export function commandRoutes(ctx: FakeDiscordContext): RouteDefinition[] {
  const scopeOf = (params: Record<string, string>): string => {
    if (params["applicationId"] !== ctx.applicationId) throw new DiscordApiError("unauthorized");
    const guildId = params["guildId"];
    if (guildId === undefined) return "global";
    if (!ctx.guilds.some((g) => g.id === guildId)) throw new DiscordApiError("unknownGuild");
    return guildId;
  };
  const routes: RouteDefinition[] = [];
  for (const base of [
    "/applications/:applicationId/commands",
    "/applications/:applicationId/guilds/:guildId/commands",
  ]) {
    routes.push(
      {
        method: "GET",
        route: base,
        auth: "bot",
        handle: ({ params }) => ({ json: ctx.commands.list(scopeOf(params)) }),
      },
      {
        method: "PUT",
        route: base,
        auth: "bot",
        handle: ({ params, body }) => ({ json: ctx.commands.overwrite(scopeOf(params), body.json) }),
      },
      {
        method: "POST",
        route: base,
        auth: "bot",
        handle: ({ params, body }) => {
          const { command, created } = ctx.commands.upsert(scopeOf(params), body.json);
          return { status: created ? 201 : 200, json: command };
        },
      },
    );
  }
  return routes;
}
