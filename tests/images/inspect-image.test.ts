import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { inspectImage } from "../../src/images/inspect-image.js";

async function picture(
  format: "png" | "jpeg" | "webp" | "gif",
  width = 37,
  height = 21,
  red = 200,
): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: red, g: 30, b: 90 } } })
    .toFormat(format)
    .toBuffer();
}

/** A PNG's signature and header chunk only: it claims a size and holds no pixel data at all. */
function pngHeaderClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write("IHDR", 4, "latin1");
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  ihdr.set([8, 2, 0, 0, 0], 16);
  return Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), ihdr]);
}

describe("inspectImage", () => {
  it("recognises PNG, JPEG and WebP by their bytes, with the size from the header", async () => {
    expect(inspectImage(await picture("png"))).toEqual({
      ok: true,
      contentType: "image/png",
      width: 37,
      height: 21,
    });
    expect(inspectImage(await picture("jpeg"))).toEqual({
      ok: true,
      contentType: "image/jpeg",
      width: 37,
      height: 21,
    });
    expect(inspectImage(await picture("webp"))).toEqual({
      ok: true,
      contentType: "image/webp",
      width: 37,
      height: 21,
    });
  });

  it("reads a huge claimed size from the header alone, without decoding anything", () => {
    expect(inspectImage(pngHeaderClaiming(60_000, 60_000))).toMatchObject({
      ok: true,
      width: 60_000,
      height: 60_000,
    });
  });

  it("refuses other formats and bytes that are no picture", async () => {
    expect(inspectImage(await picture("gif"))).toMatchObject({ ok: false, problem: "unsupported_type" });
    expect(inspectImage(Buffer.from("just some text, named cat.png"))).toMatchObject({
      ok: false,
      problem: "not_an_image",
    });
  });

  it("refuses animated PNG and WebP, whose frames ComfyUI would each process", async () => {
    // Two different frames: sharp writes identical ones as a still picture.
    const frames = await Promise.all([picture("png", 8, 8, 10), picture("png", 8, 8, 250)]);
    const animatedWebp = await sharp(frames, { join: { animated: true } })
      .webp({ loop: 0 })
      .toBuffer();
    expect(inspectImage(animatedWebp)).toMatchObject({ ok: false, problem: "animated" });
    // APNG: an `acTL` chunk right after the header chunk, as encoders write it.
    const png = await picture("png");
    const actl = Buffer.alloc(20);
    actl.writeUInt32BE(8, 0);
    actl.write("acTL", 4, "latin1");
    const apng = Buffer.concat([png.subarray(0, 33), actl, png.subarray(33)]);
    expect(inspectImage(apng)).toMatchObject({ ok: false, problem: "animated" });
    expect(inspectImage(png).ok).toBe(true);
  });
});
