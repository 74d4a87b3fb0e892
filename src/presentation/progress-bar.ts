const FILLED = "▰";
const EMPTY = "▱";

/**
 * A text bar like `▰▰▰▰▱▱▱▱▱▱` for a fraction 0..1. Out-of-range and NaN fractions are clamped,
 * so a glitchy progress frame never renders a longer or broken bar.
 */
export function progressBar(fraction: number, width = 10): string {
  const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  // Floor, so the bar is only full when the work is.
  const filled = Math.floor(clamped * width + 1e-9);
  return FILLED.repeat(filled) + EMPTY.repeat(width - filled);
}

/** Whole percent for a fraction 0..1, floored so "100%" only appears at the end. */
export function percent(fraction: number): number {
  const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  return Math.floor(clamped * 100 + 1e-9);
}
