import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import { PNG } from "pngjs";

/** What an output image is made from; rendering is deterministic, so bytes can be rebuilt on demand. */
export interface ImageRecipe {
  /** Content key: a hash of the producing node's inputs (seed, prompt text, upstream...). */
  key: string;
  width: number;
  height: number;
  /** Stored as the `prompt` tEXt chunk, like ComfyUI's SaveImage. */
  prompt: unknown;
  /** The prompt's `extra_data.extra_pnginfo` (the UI's `workflow`...): one tEXt chunk per key, like ComfyUI. */
  extraPngInfo?: Record<string, unknown>;
  /** Pad the file with a filler chunk up to at least this many bytes (for large-image benchmarks). */
  padBytes: number;
  /** Largest rendered side: the nominal size is scaled down to keep tests fast. */
  maxSide: number;
}

/** A generator seeded from the content key, so the same key always draws the same picture. */
function xorshift(seed: Buffer): () => number {
  let state = seed.readUInt32BE(0) || 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** `json.dumps` escapes non-ASCII by default, which also keeps the tEXt chunk valid Latin-1. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

export function scaledSize(
  width: number,
  height: number,
  maxSide: number,
): { width: number; height: number } {
  const w = Math.max(1, Math.round(width));
  const h = Math.max(1, Math.round(height));
  const scale = Math.min(1, maxSide / Math.max(w, h));
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
}

export function renderPng(recipe: ImageRecipe): Buffer {
  const digest = createHash("sha256").update(recipe.key).digest();
  const { width, height } = scaledSize(recipe.width, recipe.height, recipe.maxSide);
  const png = new PNG({ width, height });
  const next = xorshift(digest);
  const [r0, g0, b0, r1, g1, b1] = [digest[4], digest[5], digest[6], digest[7], digest[8], digest[9]].map(
    (v) => v ?? 0,
  ) as [number, number, number, number, number, number];
  // A gradient with hash-coloured 8×8 tiles: distinct per key, yet it compresses like a real render would.
  const tiles = new Map<number, number>();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x + y) / Math.max(1, width + height - 2);
      const tile = ((y >> 3) << 16) | (x >> 3);
      let tint = tiles.get(tile);
      if (tint === undefined) {
        tint = next() & 0x3f;
        tiles.set(tile, tint);
      }
      const i = (y * width + x) * 4;
      png.data[i] = (r0 + (r1 - r0) * t + tint) & 0xff;
      png.data[i + 1] = (g0 + (g1 - g0) * t + tint) & 0xff;
      png.data[i + 2] = (b0 + (b1 - b0) * t) & 0xff;
      png.data[i + 3] = 0xff;
    }
  }
  const encoded = PNG.sync.write(png);
  // Chunks go right after IHDR (8-byte signature + 25-byte IHDR chunk), before the image data.
  const split = 8 + 25;
  const extra = [chunk("tEXt", Buffer.from(`prompt\0${asciiJson(recipe.prompt)}`, "latin1"))];
  for (const [key, value] of Object.entries(recipe.extraPngInfo ?? {})) {
    extra.push(chunk("tEXt", Buffer.from(`${key}\0${asciiJson(value)}`, "latin1")));
  }
  const missing = recipe.padBytes - encoded.length - extra.reduce((n, c) => n + c.length, 0);
  if (missing > 0)
    extra.push(chunk("tEXt", Buffer.concat([Buffer.from("padding\0"), filler(missing, next)])));
  return Buffer.concat([encoded.subarray(0, split), ...extra, encoded.subarray(split)]);
}

/** Printable pseudo-random bytes: valid tEXt, and incompressible enough to stand in for real pixels. */
function filler(size: number, next: () => number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = 0x21 + (next() % 94);
  return out;
}

/** Width and height from a PNG header, if the bytes are a PNG. */
export function pngDimensions(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length < 24 || bytes.readUInt32BE(0) !== 0x89504e47) return undefined;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
