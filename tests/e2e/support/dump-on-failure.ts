import { onTestFailed } from "vitest";
import type { BotHarness } from "./bot-harness.js";

/** When the current test fails, prints what Discord shows and the bot's warnings, to see why. */
export function dumpOnFailure(harness: Pick<BotHarness, "discord" | "logs">): void {
  onTestFailed(() => {
    const lines = ["--- messages (oldest first) ---"];
    for (const message of harness.discord.messages.all) {
      const shown = message.content.replace(/\s+/g, " ").slice(0, 140);
      const files = message.attachments.map((a) => a.filename).join(",");
      lines.push(`${message.id} ${message.deleted ? "(deleted) " : ""}[${files}] ${shown}`);
      for (const edit of message.history)
        lines.push(`    was: ${edit.content.replace(/\s+/g, " ").slice(0, 100)}`);
    }
    lines.push("--- bot log, info and above ---");
    for (const entry of harness.logs) {
      if (Number(entry["level"]) < 30) continue;
      lines.push(JSON.stringify(entry).slice(0, 400));
    }
    process.stderr.write(`${lines.join("\n")}\n`);
  });
}
