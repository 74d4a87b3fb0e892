import {
  InteractionResponseType,
  MessageFlags,
  Routes,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
} from "discord.js";
import { describeDecline } from "../presentation/describe-decline.js";
import type { BotServices } from "../discord/bot-services.js";
import type { CommandRecord, DefinitionContext } from "../discord/command-record.js";
import { channelIsNsfw, locationOf, roleIdsOf } from "../discord/interaction-context.js";
import { postRefusalToModLog } from "../discord/mod-log.js";
import { viewToPayload } from "../discord/view-to-payload.js";
import { initialViewState } from "../presentation/apply-queue-event.js";
import { renderJobView } from "../presentation/render-job-view.js";
import { unknownThreadParentNotice, unreachableNotice } from "../presentation/user-messages.js";
import { isParamName, paramNamed } from "../request/param-table.js";
import { generateDefinition } from "./generate-definition.js";
import { autocompletePreset } from "./preset-autocomplete.js";
import { generateFromImage } from "./generate-from-image.js";
import { remixModalPrefix, remixSubmit } from "./remix-modal.js";
import { resultButton } from "./result-buttons.js";
import { requestFromOptions } from "./request-from-options.js";
import { resultButtonPrefix } from "../presentation/result-buttons.js";

/** Interaction tokens live 15 minutes. */
const tokenLifetimeMs = 15 * 60_000;

/** `/generate`: checks, admission and the first reply, all inside Discord's 3-second window. */
async function runGenerate(interaction: ChatInputCommandInteraction, services: BotServices): Promise<void> {
  const place = await locationOf(interaction);
  if (place.kind !== "located") {
    await interaction.reply({
      content:
        place.kind === "unknown_parent"
          ? unknownThreadParentNotice
          : "Images can only be generated in a server channel.",
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  const { location } = place;
  const attachment = interaction.options.getAttachment("image");
  if (attachment) {
    await generateFromImage(
      interaction,
      services,
      location,
      attachment,
      requestFromOptions(interaction.options),
    );
    return;
  }
  const tokenExpiresAt = interaction.createdTimestamp + tokenLifetimeMs;
  const outcome = await services.generation.generate({
    userId: interaction.user.id,
    location,
    channelNsfw: channelIsNsfw(interaction),
    roleIds: roleIdsOf(interaction.member),
    request: requestFromOptions(interaction.options),
    // Stored with the job: a bot stopped before the reply's id is stored finds the reply by it.
    origin: { interactionToken: interaction.token, tokenExpiresAt },
  });
  if (outcome.kind !== "accepted") {
    await interaction.reply({
      content: describeDecline(outcome, services.now()),
      flags: MessageFlags.Ephemeral,
    });
    await postRefusalToModLog(interaction.client, services, location.guildId, outcome);
    return;
  }

  const { job } = outcome;
  const view = renderJobView(
    {
      ...initialViewState(job),
      position: outcome.position + 1,
      etaAt: services.now() + outcome.etaMs,
      notice: services.hosts().some((host) => host.online) ? undefined : unreachableNotice,
    },
    { now: services.now(), previews: false, spoiler: false },
  );
  const payload = viewToPayload(view);
  // The callback goes through the REST client directly so the reply and every later edit share
  // one payload shape (viewToPayload), and its message id comes back in the same round trip.
  let messageId: string | undefined;
  try {
    const response = (await interaction.client.rest.post(
      Routes.interactionCallback(interaction.id, interaction.token),
      {
        body: { type: InteractionResponseType.ChannelMessageWithSource, data: payload.body },
        files: payload.files,
        auth: false,
        query: new URLSearchParams({ with_response: "true" }),
      },
    )) as { resource?: { message?: { id: string } } };
    messageId = response.resource?.message?.id;
  } catch (error) {
    // The member saw "the application did not respond" (e.g. the 3-second window passed while
    // discord.js waited out a 429): nobody could see or cancel this job, so it must not run.
    await services.queue.cancel(job.id, { userId: interaction.user.id }).catch((cancelError: unknown) => {
      // The reply's own error is rethrown below; this one only says the job may still run.
      services.logger.warn(
        { err: cancelError, jobId: job.id },
        "could not cancel a job whose reply failed; it may run without a message",
      );
    });
    throw error;
  }
  if (!messageId) {
    services.logger.warn({ jobId: job.id }, "Discord did not return the reply's message id; job cancelled");
    await services.queue.cancel(job.id, { userId: interaction.user.id });
    return;
  }
  const target = {
    channelId: location.channelId,
    messageId,
    interactionToken: interaction.token,
    tokenExpiresAt,
    postedAt: services.now(),
  };
  // No ❌ of the bot's own: the message's Cancel button does that, and a member's ❌ still works.
  await services.jobMessages.attach(job, target, { attachmentLimit: interaction.attachmentSizeLimit });
}

/**
 * Autocomplete for the options the table marks so (checkpoints): answered from the hosts' cached
 * `/object_info`, well inside Discord's 3 seconds.
 */
async function autocompleteGenerate(
  interaction: AutocompleteInteraction,
  services: BotServices,
): Promise<void> {
  const focused = interaction.options.getFocused(true);
  if (!isParamName(focused.name) || paramNamed(focused.name).discord?.autocomplete !== true) {
    await interaction.respond([]);
    return;
  }
  const presets = paramNamed(focused.name).discord?.presets;
  if (presets !== undefined) {
    await autocompletePreset(interaction, services, presets);
    return;
  }
  const typed = focused.value.toLowerCase();
  const workflow = interaction.options.getString("workflow") ?? undefined;
  const choices = services
    .paramChoices(focused.name, workflow)
    .filter((name) => name.toLowerCase().includes(typed))
    .slice(0, 25)
    .map((name) => ({ name: name.slice(0, 100), value: name.slice(0, 100) }));
  await interaction.respond(choices);
}

/**
 * Workflow and aspect choices, and whether styles and LoRAs are offered, come from the config, so
 * a config change re-registers the command.
 */
function definition({ templates, presets }: DefinitionContext) {
  return generateDefinition({ workflows: templates, presets });
}

export const generateCommand: CommandRecord = {
  name: "generate",
  definition,
  run: runGenerate,
  autocomplete: autocompleteGenerate,
  // The buttons under results and the Remix form they open (`result-buttons.ts`).
  buttons: [{ prefix: resultButtonPrefix, handle: resultButton }],
  modals: [{ prefix: remixModalPrefix, handle: remixSubmit }],
};
