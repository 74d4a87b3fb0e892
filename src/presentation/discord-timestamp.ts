/**
 * Discord's relative timestamp markup (`<t:UNIX:R>`): the client renders "in 2 minutes" and keeps
 * counting down on its own, so an ETA needs no message edits.
 */
export function relativeTimestamp(epochMs: number): string {
  return `<t:${Math.round(epochMs / 1000)}:R>`;
}
