import type { NodeContext, NodeResult } from "./node-behaviours.js";
import { asValue, make, noSize, num } from "./sim-values.js";

/** Python's round(): halves go to the even neighbour (round(2.5) is 2). */
export function pythonRound(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * An upscale model's factor, read from its file name ("4x-UltraSharp.pth", "RealESRGAN_x2plus.pth");
 * spandrel reads it from the weights, which the simulator has none of. 4 when the name says nothing.
 */
export function upscaleFactor(modelName: string): number {
  const match = /(?:^|[^a-z0-9])(\d+)x|x(\d+)(?:[^0-9]|$)/i.exec(modelName);
  const factor = Number(match?.[1] ?? match?.[2] ?? 4);
  return factor >= 1 && factor <= 16 ? factor : 4;
}

// ImageUpscaleWithModel's tiles: 512 px with a 32 px overlap (comfy_extras/nodes_upscale_model.py).
const tile = 512;
const overlap = 32;

/**
 * The image-to-image and upscale nodes, or undefined for a class they do not cover. Sizes follow
 * ComfyUI: VAEEncode crops to a multiple of 8, ImageScaleBy rounds like Python, a model upscale
 * multiplies by the model's factor and reports one progress step per tile (no previews).
 */
export async function runImageNode(ctx: NodeContext): Promise<NodeResult | undefined> {
  const inputs = ctx.inputs;
  switch (ctx.classType) {
    case "VAEEncode": {
      const pixels = asValue(inputs["pixels"]);
      if (pixels === undefined) return { outputs: make(ctx, noSize) };
      const crop = (side: number): number => Math.floor(side / 8) * 8;
      return {
        outputs: make(ctx, { width: crop(pixels.width), height: crop(pixels.height), batch: pixels.batch }),
      };
    }
    case "ImageScaleBy": {
      const image = asValue(inputs["image"]);
      const by = num(inputs["scale_by"], 1);
      if (image === undefined) return { outputs: make(ctx, noSize) };
      const size = { width: pythonRound(image.width * by), height: pythonRound(image.height * by) };
      return { outputs: make(ctx, { ...size, batch: image.batch }) };
    }
    case "UpscaleModelLoader": {
      const scale = upscaleFactor(String(inputs["model_name"]));
      return { outputs: make(ctx, noSize).map((value) => ({ ...value, scale })) };
    }
    case "ImageUpscaleWithModel": {
      const image = asValue(inputs["image"]);
      const scale = asValue(inputs["upscale_model"])?.scale ?? 4;
      if (image === undefined) return { outputs: make(ctx, noSize) };
      const tiles =
        image.batch * Math.ceil(image.height / (tile - overlap)) * Math.ceil(image.width / (tile - overlap));
      await ctx.runSteps(tiles, ctx.defaultStepMs, false);
      const size = { width: Math.round(image.width * scale), height: Math.round(image.height * scale) };
      return { outputs: make(ctx, { ...size, batch: image.batch }) };
    }
    default:
      return undefined;
  }
}
