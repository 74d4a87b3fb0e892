import type {
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  ModalSubmitInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from "discord.js";
import type { Presets } from "../presets/presets.js";
import type { WorkflowTemplate } from "../workflows/workflow-template.js";
import type { BotServices } from "./bot-services.js";

/** What a command's definition may depend on: workflow choices and presets come from the config. */
export interface DefinitionContext {
  templates: readonly WorkflowTemplate[];
  /** The config's styles and LoRAs: `/generate` offers `style` and `lora` only when it has some. */
  presets?: Presets | undefined;
}

/** Buttons whose custom id is `<prefix>:<…>` go to `handle`. */
export interface ButtonRoute {
  readonly prefix: string;
  handle(interaction: ButtonInteraction, services: BotServices): Promise<void>;
}

/** Modal submits whose custom id is `<prefix>:<…>` go to `handle` (modals the command's buttons opened). */
export interface ModalRoute {
  readonly prefix: string;
  handle(interaction: ModalSubmitInteraction, services: BotServices): Promise<void>;
}

/**
 * Everything about one slash command in one place: its definition (sent to Discord), its handler,
 * its autocomplete and its buttons. The router and the registration both read the same list of
 * records (`src/commands/registry.ts`), so a new command is one new record.
 */
export interface CommandRecord {
  readonly name: string;
  definition(context: DefinitionContext): RESTPostAPIChatInputApplicationCommandsJSONBody;
  run(interaction: ChatInputCommandInteraction, services: BotServices): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, services: BotServices): Promise<void>;
  /** Buttons on the messages this command posts (paging, confirmations, a job's Cancel). */
  readonly buttons?: readonly ButtonRoute[];
  /** Modals its buttons open (Remix). */
  readonly modals?: readonly ModalRoute[];
}

/** The definitions Discord gets, in the records' order. */
export function commandDefinitions(
  records: readonly CommandRecord[],
  context: DefinitionContext,
): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return records.map((record) => record.definition(context));
}

/** The route of a button: the longest prefix that matches `<prefix>:<…>`. */
export function buttonRouteFor(records: readonly CommandRecord[], customId: string): ButtonRoute | undefined {
  return longestPrefix(
    records.flatMap((record) => record.buttons ?? []),
    customId,
  );
}

/** The route of a modal submit, matched like a button's. */
export function modalRouteFor(records: readonly CommandRecord[], customId: string): ModalRoute | undefined {
  return longestPrefix(
    records.flatMap((record) => record.modals ?? []),
    customId,
  );
}

function longestPrefix<R extends { readonly prefix: string }>(
  routes: readonly R[],
  customId: string,
): R | undefined {
  let found: R | undefined;
  for (const route of routes) {
    const matches = customId.startsWith(`${route.prefix}:`);
    if (matches && (!found || route.prefix.length > found.prefix.length)) found = route;
  }
  return found;
}
