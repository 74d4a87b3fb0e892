import { MessageFlags, SlashCommandBuilder, type ChatInputCommandInteraction } from "discord.js";
import type { BotServices } from "../discord/bot-services.js";
import type { CommandRecord } from "../discord/command-record.js";
import { relativeTimestamp } from "../presentation/discord-timestamp.js";
import { escapeMarkdown } from "../presentation/escape-text.js";
import { truncate } from "../presentation/truncate.js";
import { isFinished, isInFlight } from "../queue/job.js";

/** `/queue`: the member's own jobs first, then the whole queue and each host's state. */
async function runQueue(interaction: ChatInputCommandInteraction, services: BotServices): Promise<void> {
  const now = services.now();
  const mine = services.queue.jobsOf(interaction.user.id).filter((job) => !isFinished(job));
  const lines: string[] = [];
  if (mine.length === 0) {
    lines.push("You have no jobs waiting or running.");
  } else {
    lines.push("**Your jobs**");
    for (const job of mine) {
      const prompt =
        typeof job.params.prompt === "string" ? truncate(job.params.prompt.replace(/\s+/g, " "), 60) : "";
      const position = services.queue.position(job.id);
      const eta = services.queue.etaMs(job.id);
      const where =
        job.state === "queued"
          ? `#${(position ?? 0) + 1} in line${eta !== undefined ? `, ready ${relativeTimestamp(now + eta)}` : ""}`
          : `${job.state} on ${isInFlight(job) ? escapeMarkdown(services.hostLabel(job.run.backend)) : "a host"}`;
      lines.push(`• \`${job.id.slice(0, 8)}\` ${where} — ${escapeMarkdown(prompt)}`);
    }
  }
  const stats = services.queue.stats();
  const members = `${stats.waitingUsers} member${stats.waitingUsers === 1 ? "" : "s"}`;
  lines.push(
    "",
    `**Queue**: ${stats.queued} waiting (${members}), ${stats.staged + stats.running} on the GPUs`,
  );
  const hosts = services.hosts();
  lines.push(
    "**Image servers**: " +
      (hosts.length === 0
        ? "none configured"
        : hosts
            .map(
              (host) => `${host.online ? "🟢" : "🔴"} ${escapeMarkdown(host.label)} (${host.inFlight} busy)`,
            )
            .join(" · ")),
  );
  await interaction.reply({ content: lines.join("\n").slice(0, 2000), flags: MessageFlags.Ephemeral });
}

/** `/queue`: your jobs with positions and ETAs, the total and the hosts' state. */
function queueDefinition() {
  return new SlashCommandBuilder()
    .setName("queue")
    .setDescription("Show your jobs, the queue and the image servers")
    .setContexts(0)
    .toJSON();
}

export const queueCommand: CommandRecord = { name: "queue", definition: queueDefinition, run: runQueue };
