const FILLED = "▰";
const EMPTY = "▱";
const DEFAULT_WIDTH = 10;

/**
 * A text bar like `▰▰▰▰▱▱▱▱▱▱` for a fraction 0..1. Out-of-range and NaN fractions are clamped,
 * so a glitchy progress frame never renders a longer or broken bar; a width that cannot be drawn
 * (0, negative, NaN, infinite: a width computed from a terminal that reports none) draws the
 * default ten cells instead of nothing or a RangeError.
 */
export function progressBar(fraction: number, width = DEFAULT_WIDTH): string {
  const cells = Number.isFinite(width) && width >= 1 ? Math.floor(width) : DEFAULT_WIDTH;
  const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  // Floor, so the bar is only full when the work is.
  const filled = Math.floor(clamped * cells + 1e-9);
  return FILLED.repeat(filled) + EMPTY.repeat(cells - filled);
}

/** Whole percent for a fraction 0..1, floored so "100%" only appears at the end. */
export function percent(fraction: number): number {
  const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  return Math.floor(clamped * 100 + 1e-9);
}
