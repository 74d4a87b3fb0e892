import {
  MessageFlags,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
} from "discord.js";
import { autocompleteCancel, runCancel } from "../commands/cancel-command.js";
import { autocompleteGenerate, runGenerate } from "../commands/generate-command.js";
import { runQueue } from "../commands/queue-command.js";
import { autocompleteSettings, runSettings } from "../commands/settings-command.js";
import { parseCancelButtonId } from "../progress/message-view.js";
import { describeError } from "../progress/user-messages.js";
import type { BotServices } from "./bot-services.js";
import { canModerate } from "./interaction-context.js";

type Handlers = {
  run: (interaction: ChatInputCommandInteraction, services: BotServices) => Promise<void>;
  autocomplete?: (interaction: AutocompleteInteraction, services: BotServices) => Promise<void>;
  /** Buttons whose custom id starts with `<command name>:` go here (paging, confirmations). */
  button?: (interaction: ButtonInteraction, services: BotServices) => Promise<void>;
};

/** Extra commands registered by other modules (history, forget-me) without touching this file. */
export type CommandTable = Record<string, Handlers>;

export const coreCommands: CommandTable = {
  generate: { run: runGenerate, autocomplete: autocompleteGenerate },
  queue: { run: runQueue },
  cancel: { run: runCancel, autocomplete: autocompleteCancel },
  settings: { run: runSettings, autocomplete: autocompleteSettings },
};

/**
 * One entry point for every interaction, with the error boundary: a handler that throws is
 * logged with its detail and the member gets a short apology, never "the application did not
 * respond" and never a crashed process.
 */
export async function routeInteraction(
  interaction: Interaction,
  services: BotServices,
  commands: CommandTable,
): Promise<void> {
  try {
    if (interaction.isChatInputCommand()) {
      const handlers = commands[interaction.commandName];
      if (handlers) await handlers.run(interaction, services);
      else
        await interaction.reply({
          content: "That command is not available any more.",
          flags: MessageFlags.Ephemeral,
        });
    } else if (interaction.isAutocomplete()) {
      const handlers = commands[interaction.commandName];
      if (handlers?.autocomplete) await handlers.autocomplete(interaction, services);
      else await interaction.respond([]);
    } else if (interaction.isButton()) {
      const owner = commands[interaction.customId.split(":")[0] ?? ""];
      if (owner?.button) {
        await owner.button(interaction, services);
        return;
      }
      const jobId = parseCancelButtonId(interaction.customId);
      if (!jobId) return;
      // Acknowledge first: cancelling a running prompt waits on ComfyUI (up to its HTTP timeouts),
      // which can outlast Discord's 3-second window; the job message itself shows the outcome.
      await interaction.deferUpdate();
      const decision = await services.queue.cancel(jobId, {
        userId: interaction.user.id,
        byModerator: canModerate(interaction, "channel"),
      });
      if (decision.kind !== "cancelled") {
        const text = {
          not_found: "That job no longer exists.",
          not_allowed: "Only the job's owner or a moderator can cancel it.",
          already_finished: "That job has already finished.",
        }[decision.kind];
        await interaction.followUp({ content: text, flags: MessageFlags.Ephemeral });
      }
    }
  } catch (error) {
    const reference = interaction.id;
    services.logger.error(
      { err: error, interactionId: reference, userId: interaction.user.id },
      "interaction failed",
    );
    if (interaction.isRepliable()) {
      const content = describeError("internal", { jobId: reference });
      // A handler that acknowledged before failing still owes the member an answer.
      const answer =
        interaction.replied || interaction.deferred
          ? interaction.followUp({ content, flags: MessageFlags.Ephemeral })
          : interaction.reply({ content, flags: MessageFlags.Ephemeral });
      await answer.catch(() => undefined);
    }
  }
}
