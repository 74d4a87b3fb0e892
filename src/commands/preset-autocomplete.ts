import type { AutocompleteInteraction } from "discord.js";
import type { BotServices } from "../discord/bot-services.js";
import { locationOf } from "../discord/interaction-context.js";

/**
 * `/generate style:` and `lora:` suggestions: the channel's rules decide which styles show, and
 * the workflow asked for so far decides which LoRAs do (the core's `presetChoices`). Outside a
 * server channel, or where the thread's parent cannot be known, nothing is suggested; running the
 * command then says why.
 */
export async function autocompletePreset(
  interaction: AutocompleteInteraction,
  services: BotServices,
  kind: "styles" | "loras",
): Promise<void> {
  const place = await locationOf(interaction);
  if (place.kind !== "located") {
    await interaction.respond([]);
    return;
  }
  const settings = await services.settings.resolve(place.location);
  const choices = services.presetChoices(kind, {
    settings: settings.values,
    typed: interaction.options.getFocused(),
    workflow: interaction.options.getString("workflow") ?? undefined,
    style: interaction.options.getString("style") ?? undefined,
  });
  await interaction.respond(choices);
}
