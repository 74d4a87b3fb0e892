import { MessageFlags, type Interaction } from "discord.js";
import { describeUnexpectedError } from "../presentation/user-messages.js";
import type { BotServices } from "./bot-services.js";
import { buttonRouteFor, modalRouteFor, type CommandRecord } from "./command-record.js";

/**
 * One entry point for every interaction, with the error boundary: a handler that throws is
 * logged with its detail and the member gets a short apology, never "the application did not
 * respond" and never a crashed process.
 */
export async function routeInteraction(
  interaction: Interaction,
  services: BotServices,
  commands: readonly CommandRecord[],
): Promise<void> {
  try {
    if (interaction.isChatInputCommand()) {
      const record = commands.find((candidate) => candidate.name === interaction.commandName);
      if (record) await record.run(interaction, services);
      else
        await interaction.reply({
          content: "That command is not available any more.",
          flags: MessageFlags.Ephemeral,
        });
    } else if (interaction.isAutocomplete()) {
      const record = commands.find((candidate) => candidate.name === interaction.commandName);
      if (record?.autocomplete) await record.autocomplete(interaction, services);
      else await interaction.respond([]);
    } else if (interaction.isButton()) {
      const route = buttonRouteFor(commands, interaction.customId);
      if (route) await route.handle(interaction, services);
      else services.logger.debug({ customId: interaction.customId }, "button with no route");
    } else if (interaction.isModalSubmit()) {
      const route = modalRouteFor(commands, interaction.customId);
      if (route) await route.handle(interaction, services);
      else
        await interaction.reply({
          content: "That form is not available any more.",
          flags: MessageFlags.Ephemeral,
        });
    }
  } catch (error) {
    const reference = interaction.id;
    services.logger.error(
      { err: error, interactionId: reference, userId: interaction.user.id },
      "interaction failed",
    );
    if (interaction.isRepliable()) {
      const content = describeUnexpectedError(reference);
      // A handler that acknowledged before failing still owes the member an answer.
      const answer =
        interaction.replied || interaction.deferred
          ? interaction.followUp({ content, flags: MessageFlags.Ephemeral })
          : interaction.reply({ content, flags: MessageFlags.Ephemeral });
      await answer.catch((replyError: unknown) => {
        // Nothing more can reach the member (the token may have expired); the failure is logged above.
        services.logger.warn({ err: replyError, interactionId: reference }, "could not send the apology");
      });
    }
  }
}
