/**
 * ComfyUI seeds go up to 2^64-1, but a JS number holds integers exactly only below 2^53.
 * A seed above that would be rounded on its way through JSON, the store and the reroll, and the
 * image could not be reproduced from the number shown to the user. So the bot's seeds, random or
 * typed, stay safe integers; the node's own max (often 2^64-1) is the other bound.
 */
export const maxSeed = Number.MAX_SAFE_INTEGER;

export function isValidSeed(value: unknown, nodeMax = maxSeed): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 && value <= nodeMax;
}

/** A uniform seed in [0, min(nodeMax, 2^53-1)]; `random` returns [0, 1) like Math.random. */
export function randomSeed(random: () => number = Math.random, nodeMax = maxSeed): number {
  const upper = Math.max(0, Math.min(Math.floor(nodeMax), maxSeed));
  return Math.min(upper, Math.floor(random() * (upper + 1)));
}
