/** What `/forget-me` and `npm run forget` deleted. */
export interface ForgetCounts {
  /** Unfinished jobs cancelled before their records were deleted. */
  cancelled: number;
  /** Job records: waiting, running and finished. */
  jobs: number;
  /** Result links (the reroll index, `/history`). */
  results: number;
  rateRecords: number;
  /** Pictures the member's jobs started from (attachments, results they varied or upscaled). */
  inputs: number;
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** The member-facing sentence after `/forget-me`. */
export function describeForgotten(counts: ForgetCounts): string {
  const parts = [
    plural(counts.jobs, "job record (with its prompt)", "job records (with their prompts)"),
    plural(counts.results, "result link", "result links"),
    plural(counts.rateRecords, "rate-limit counter", "rate-limit counters"),
    ...(counts.inputs > 0 ? [plural(counts.inputs, "input picture", "input pictures")] : []),
  ];
  const cancelled =
    counts.cancelled > 0
      ? ` ${plural(counts.cancelled, "unfinished job was", "unfinished jobs were")} cancelled first.`
      : "";
  return (
    `Done: deleted ${parts.join(", ")}.${cancelled}\n` +
    "Images already posted stay in their channels: delete those messages yourself or ask a moderator."
  );
}
