import { time, TimestampStyles } from "@discordjs/formatters";

/**
 * Discord's relative timestamp markup (`<t:UNIX:R>`): the client renders "in 2 minutes" and keeps
 * counting down on its own, so an ETA needs no message edits.
 */
export function relativeTimestamp(epochMs: number): string {
  // Whole seconds: `time(date)` would floor, and an ETA rounded to the nearest second reads truer.
  return time(Math.round(epochMs / 1000), TimestampStyles.RelativeTime);
}
