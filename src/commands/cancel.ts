import {
  MessageFlags,
  SlashCommandBuilder,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
} from "discord.js";
import type { BotServices } from "../discord/bot-services.js";
import type { CommandRecord } from "../discord/command-record.js";
import { mayModerateJobs } from "../discord/moderation-rights.js";
import type { CancelDecision } from "../queue/admission.js";
import { parseCancelButtonId } from "../presentation/message-view.js";
import { truncate } from "../presentation/truncate.js";
import { isFinished, type Job } from "../queue/job.js";

function unfinishedJobsOf(services: BotServices, userId: string): Job[] {
  return services.queue
    .jobsOf(userId)
    .filter((job) => !isFinished(job))
    .sort((a, b) => b.seq - a.seq);
}

/**
 * Cancels as the member who asked: their own job, or someone else's when they may moderate jobs
 * in that job's channel (see `mayModerateJobs`). A job of another server is treated as unknown.
 */
async function cancelAs(
  interaction: ChatInputCommandInteraction | ButtonInteraction,
  services: BotServices,
  jobId: string,
): Promise<CancelDecision> {
  const userId = interaction.user.id;
  const job = await services.queue.load(jobId);
  if (!job || job.guildId !== interaction.guildId) return { kind: "not_found" };
  const byModerator = job.userId !== userId && (await mayModerateJobs(interaction.client, job, userId));
  return services.queue.cancel(jobId, { userId, byModerator });
}

/** `/cancel [job]`: the member's latest unfinished job unless one is picked. */
async function runCancel(interaction: ChatInputCommandInteraction, services: BotServices): Promise<void> {
  const picked = interaction.options.getString("job") ?? undefined;
  const mine = unfinishedJobsOf(services, interaction.user.id);
  const jobId = picked ?? mine[0]?.id;
  if (!jobId) {
    await interaction.reply({ content: "You have no job to cancel.", flags: MessageFlags.Ephemeral });
    return;
  }
  // Cancelling a running prompt waits on ComfyUI, which can outlast Discord's 3-second window.
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const decision = await cancelAs(interaction, services, jobId);
  const text = {
    cancelled: `Cancelled job \`${jobId.slice(0, 8)}\`.`,
    not_found: "That job does not exist (or has been forgotten).",
    not_allowed: "You can only cancel your own jobs.",
    already_finished: "That job has already finished.",
  }[decision.kind];
  await interaction.editReply({ content: text });
}

async function autocompleteCancel(
  interaction: AutocompleteInteraction,
  services: BotServices,
): Promise<void> {
  const typed = interaction.options.getFocused().toLowerCase();
  const choices = unfinishedJobsOf(services, interaction.user.id)
    .map((job) => {
      const prompt = typeof job.params.prompt === "string" ? job.params.prompt.replace(/\s+/g, " ") : "";
      return { name: truncate(`${job.state} · ${prompt}`, 100), value: job.id };
    })
    .filter((choice) => choice.name.toLowerCase().includes(typed) || choice.value.startsWith(typed))
    .slice(0, 25);
  await interaction.respond(choices);
}

/** The Cancel button under a job's progress message (`job:cancel:<jobId>`). */
async function cancelButton(interaction: ButtonInteraction, services: BotServices): Promise<void> {
  const jobId = parseCancelButtonId(interaction.customId);
  if (!jobId) return;
  // Acknowledge first: cancelling a running prompt waits on ComfyUI (up to its HTTP timeouts),
  // which can outlast Discord's 3-second window; the job message itself shows the outcome.
  await interaction.deferUpdate();
  const decision = await cancelAs(interaction, services, jobId);
  if (decision.kind !== "cancelled") {
    const text = {
      not_found: "That job no longer exists.",
      not_allowed: "Only the job's owner or a moderator can cancel it.",
      already_finished: "That job has already finished.",
    }[decision.kind];
    await interaction.followUp({ content: text, flags: MessageFlags.Ephemeral });
  }
}

/** `/cancel`: your latest unfinished job, or one picked from autocomplete. */
function cancelDefinition() {
  return new SlashCommandBuilder()
    .setName("cancel")
    .setDescription("Cancel one of your jobs (your latest if you pick none)")
    .setContexts(0)
    .addStringOption((option) => option.setName("job").setDescription("Which job").setAutocomplete(true))
    .toJSON();
}

export const cancelCommand: CommandRecord = {
  name: "cancel",
  definition: cancelDefinition,
  run: runCancel,
  autocomplete: autocompleteCancel,
  buttons: [{ prefix: "job:cancel", handle: cancelButton }],
};
