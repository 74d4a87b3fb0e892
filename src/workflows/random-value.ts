/**
 * A uniform whole number in [min, max]; `random` returns [0, 1) like Math.random. Seeds are
 * random unless the member picks one: a fixed seed would make ComfyUI serve its cache.
 */
export function randomInteger(min: number, max: number, random: () => number = Math.random): number {
  const low = Math.ceil(min);
  const high = Math.max(low, Math.floor(max));
  return Math.min(high, low + Math.floor(random() * (high - low + 1)));
}
