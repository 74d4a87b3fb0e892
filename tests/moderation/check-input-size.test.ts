import { describe, expect, it } from "vitest";
import { checkInputSize } from "../../src/moderation/check-input-size.js";

const limits = { maxWidth: 2048, maxHeight: 1536, maxPixels: 2048 * 1024 };

describe("checkInputSize", () => {
  it("lets a picture within every limit through", () => {
    expect(checkInputSize({ width: 2048, height: 1024 }, limits)).toBeUndefined();
  });

  it("names the limit a picture is over: width, height, then pixels", () => {
    expect(checkInputSize({ width: 2049, height: 10 }, limits)).toBe(
      "The image is 2049×10, wider than this channel's limit of 2048 pixels.",
    );
    expect(checkInputSize({ width: 10, height: 1537 }, limits)).toBe(
      "The image is 10×1537, taller than this channel's limit of 1536 pixels.",
    );
    expect(checkInputSize({ width: 2000, height: 1500 }, limits)).toBe(
      "The image is 2000×1500 (3000000 pixels), above this channel's limit of 2097152 pixels.",
    );
  });
});
