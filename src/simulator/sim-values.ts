import { createHash } from "node:crypto";

/** A value flowing along a link: only what the simulator needs to fake the next node. */
export interface SimValue {
  type: string;
  /** Content key derived from everything upstream: seeds and prompt texts change it. */
  key: string;
  width: number;
  height: number;
  batch: number;
  /** An upscale model's factor (UPSCALE_MODEL values only). */
  scale?: number;
}

export const noSize = { width: 0, height: 0, batch: 1 };

export function num(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

export function asValue(value: unknown): SimValue | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "key" in value
    ? (value as SimValue)
    : undefined;
}

function outputKey(signature: string, index: number): string {
  return createHash("sha256").update(`${signature}#${index}`).digest("hex");
}

/**
 * One value per output of the node, keyed by its signature (so by everything upstream), all of one
 * size. Only the size is taken from `size`: handing in an upstream value (a sampler passes its
 * latent on) must not hand on that value's key, or seeds and prompts would never reach the pixels.
 */
export function make(
  node: { signature: string; outputTypes: readonly string[] },
  size: { width: number; height: number; batch: number },
): SimValue[] {
  const { width, height, batch } = size;
  return node.outputTypes.map((type, i) => ({
    type,
    key: outputKey(node.signature, i),
    width,
    height,
    batch,
  }));
}
