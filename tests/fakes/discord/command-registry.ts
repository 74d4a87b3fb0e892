import { DiscordApiError, invalidFormBody } from "./discord-api-error.js";
import type { Json } from "./guild-payloads.js";
import { validateCommand } from "./command-validation.js";

/** `global` or a guild id. */
export type CommandScope = string;

/** Registered application commands per scope, with stable ids across overwrites (as Discord keeps them). */
export class CommandRegistry {
  readonly #scopes = new Map<CommandScope, Json[]>();

  constructor(
    private readonly applicationId: string,
    private readonly newId: () => string,
  ) {}

  list(scope: CommandScope): Json[] {
    return this.#scopes.get(scope) ?? [];
  }

  overwrite(scope: CommandScope, body: unknown): Json[] {
    if (!Array.isArray(body)) throw new DiscordApiError("invalidFormBody");
    const list = (body as unknown[]).map((command, i) => validateCommand(command, [String(i)]));
    const names = new Set<string>();
    for (const [i, command] of list.entries()) {
      const key = `${typeof command["type"] === "number" ? command["type"] : 1}:${String(command["name"])}`;
      if (names.has(key)) {
        throw invalidFormBody(
          [String(i), "name"],
          "APPLICATION_COMMANDS_DUPLICATE_NAME",
          "Application command names must be unique",
        );
      }
      names.add(key);
    }
    const previous = this.list(scope);
    const stored = list.map((command) => this.#store(scope, command, previous));
    this.#scopes.set(scope, stored);
    return stored;
  }

  upsert(scope: CommandScope, body: unknown): { command: Json; created: boolean } {
    const command = validateCommand(body, []);
    const previous = this.list(scope);
    const stored = this.#store(scope, command, previous);
    const created = !previous.some((c) => c["id"] === stored["id"]);
    this.#scopes.set(scope, [...previous.filter((c) => c["id"] !== stored["id"]), stored]);
    return { command: stored, created };
  }

  /** The command an invocation in `guildId` would hit: guild commands shadow global ones. */
  find(name: string, guildId: string): Json | undefined {
    return (
      this.list(guildId).find((c) => c["name"] === name) ??
      this.list("global").find((c) => c["name"] === name)
    );
  }

  #store(scope: CommandScope, command: Json, previous: Json[]): Json {
    const same = previous.find(
      (c) => c["name"] === command["name"] && (c["type"] ?? 1) === (command["type"] ?? 1),
    );
    return {
      type: 1,
      description: "",
      options: [],
      default_member_permissions: null,
      nsfw: false,
      contexts: null,
      integration_types: [0],
      ...command,
      id: same?.["id"] ?? this.newId(),
      application_id: this.applicationId,
      ...(scope === "global" ? {} : { guild_id: scope }),
      version: this.newId(),
    };
  }
}
