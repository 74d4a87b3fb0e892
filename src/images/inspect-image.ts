import { imageSize } from "image-size";
import type { InputImageType } from "../queue/input-spool.js";

export type ImageInspection =
  | { ok: true; contentType: InputImageType; width: number; height: number }
  | { ok: false; problem: "not_an_image" | "unsupported_type" | "animated"; detail: string };

const accepted: Record<string, InputImageType> = { png: "image/png", jpg: "image/jpeg", webp: "image/webp" };

/**
 * What a picture is, read from its bytes and never from its name: the format from its magic
 * bytes and its size from its header (`image-size` reads the header without decoding a pixel),
 * so a picture too large to be decoded safely is refused before anything decodes it. Only PNG,
 * JPEG and WebP are accepted, and only still ones: ComfyUI's LoadImage turns every frame of an
 * animation into a batch entry, which would multiply the work past any pixel limit.
 */
export function inspectImage(bytes: Uint8Array): ImageInspection {
  let size;
  try {
    size = imageSize(bytes);
  } catch (error) {
    return { ok: false, problem: "not_an_image", detail: (error as Error).message };
  }
  const contentType = size.type === undefined ? undefined : accepted[size.type];
  if (contentType === undefined) {
    return { ok: false, problem: "unsupported_type", detail: size.type ?? "unknown" };
  }
  if (isAnimated(bytes, contentType)) return { ok: false, problem: "animated", detail: size.type ?? "" };
  return { ok: true, contentType, width: size.width, height: size.height };
}

function isAnimated(bytes: Uint8Array, type: InputImageType): boolean {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (type === "image/png") {
    // APNG announces itself with an `acTL` chunk before the first `IDAT`.
    for (let at = 8; at + 8 <= view.length;) {
      const length = view.readUInt32BE(at);
      const chunk = view.toString("latin1", at + 4, at + 8);
      if (chunk === "acTL") return true;
      if (chunk === "IDAT") return false;
      at += 12 + length;
    }
    return false;
  }
  if (type === "image/webp") {
    // Extended WebP: `VP8X` at offset 12, its flags byte at 20, bit 1 is "animation".
    return view.toString("latin1", 12, 16) === "VP8X" && view.length > 20 && (view[20]! & 0x02) !== 0;
  }
  return false;
}
