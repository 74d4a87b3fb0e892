import { z } from "zod";

/**
 * Node.js keeps a timer's delay in a signed 32-bit integer: a `setTimeout` longer than
 * 2^31 - 1 ms (about 24.8 days) fires after 1 ms instead, with only a warning. Every config key
 * that ends up in a timer is capped here, so a typo like `overallSeconds: 3000000` is refused at
 * start-up instead of timing every job out at once.
 */
export const maxTimerMs = 2_147_483_647;
const maxTimerSeconds = Math.floor(maxTimerMs / 1000);
const why = "about 24 days, the longest a Node.js timer can wait";

/** Whole seconds (0 allowed with `{ zero: true }`) that become a timer. */
export function timerSeconds(options: { zero?: boolean } = {}): z.ZodInt {
  const base = options.zero
    ? z
        .int({ error: "expected a whole number (0 or more)" })
        .nonnegative({ error: "expected a whole number (0 or more)" })
    : z.int({ error: "expected a positive integer" }).positive({ error: "expected a positive integer" });
  return base.max(maxTimerSeconds, { error: `expected at most ${maxTimerSeconds} seconds (${why})` });
}

/** Whole milliseconds of at least `min` that become a timer. */
export function timerMs(min: number): z.ZodInt {
  return z
    .int({ error: `expected a whole number of milliseconds, ${min} or more` })
    .min(min, { error: `expected a whole number of milliseconds, ${min} or more` })
    .max(maxTimerMs, { error: `expected at most ${maxTimerMs} ms (${why})` });
}
