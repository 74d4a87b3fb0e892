import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { fitAttachments } from "../../src/images/fit-attachments.js";
import { renderPng } from "../../src/simulator/png-renderer.js";

/** A noisy PNG: noise compresses badly, so the file is large for its size, like a real render. */
async function noisyPng(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  let state = 12345;
  for (let i = 0; i < pixels.length; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    pixels[i] = state >> 16;
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

describe("fitting results into Discord's upload limit", () => {
  it("keeps the original PNG bytes when they fit, so ComfyUI's embedded workflow survives", async () => {
    const png = await noisyPng(64, 64);
    const fitted = await fitAttachments(
      [{ name: "out.png", bytes: png, mime: "image/png" }],
      10 * 1024 * 1024,
    );
    expect(fitted.note).toBeUndefined();
    expect(fitted.images[0]!.bytes.equals(png)).toBe(true);
    expect(fitted.images[0]!.name).toBe("out.png");
  });

  it("converts or shrinks an image over the limit until it fits, and says so", async () => {
    const png = await noisyPng(512, 512);
    const limit = Math.floor(png.length / 4);
    const fitted = await fitAttachments([{ name: "big.png", bytes: png, mime: "image/png" }], limit);
    const image = fitted.images[0]!;
    expect(image.bytes.length).toBeLessThanOrEqual(limit);
    expect(image.name).toBe("big.webp");
    expect(image.mime).toBe("image/webp");
    expect((await sharp(image.bytes).metadata()).format).toBe("webp");
    expect(fitted.note).toMatch(/larger than Discord allows here/);
  });

  it("keeps shrinking below 64 px and lowering quality when a small limit demands it", async () => {
    // The simulator's renders are detailed enough that some stay a few KiB of WebP at 64 px wide.
    for (let n = 0; n < 12; n++) {
      const png = renderPng({
        key: `render-${n}`,
        width: 512,
        height: 512,
        prompt: {},
        padBytes: 0,
        maxSide: 512,
      });
      const fitted = await fitAttachments([{ name: "out.png", bytes: png, mime: "image/png" }], 2_000);
      expect(fitted.images[0]!.bytes.length, `render ${n}`).toBeLessThanOrEqual(2_000);
    }
  });

  it("shares Discord's 25 MiB request limit between several images", async () => {
    const png = await noisyPng(256, 256);
    const many = Array.from({ length: 10 }, (_, i) => ({
      name: `img-${i}.png`,
      bytes: png,
      mime: "image/png",
    }));
    const fitted = await fitAttachments(many, 10 * 1024 * 1024);
    const total = fitted.images.reduce((sum, image) => sum + image.bytes.length, 0);
    expect(total).toBeLessThanOrEqual(25 * 1024 * 1024);
    expect(fitted.images).toHaveLength(10);
  });
});
