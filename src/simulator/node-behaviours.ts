import { randomInt } from "node:crypto";
import { runImageNode } from "./image-nodes.js";
import { asValue, make, noSize, num, type SimValue } from "./sim-values.js";
import type { ImageRef } from "./prompt-queue.js";

export type { SimValue } from "./sim-values.js";

/** A node raising an exception (FakeFail, or a class named in `failNodes`). */
export class NodeFailure extends Error {
  constructor(
    message: string,
    readonly exceptionType = "RuntimeError",
  ) {
    super(message);
  }
}

export interface NodeContext {
  nodeId: string;
  classType: string;
  /** Literal inputs as given, linked inputs as the upstream value. */
  inputs: Record<string, unknown>;
  outputTypes: readonly string[];
  signature: string;
  defaultStepMs: number;
  /**
   * Progress-bar steps: waits, reports progress (and previews, for samplers), and throws when
   * interrupted.
   */
  runSteps: (steps: number, stepMs: number, previews?: boolean) => Promise<void>;
  loadCheckpoint: (name: string) => Promise<void>;
  saveImages: (images: SimValue, type: "output" | "temp", prefix: string) => ImageRef[];
  /** LoadImage's decode of a file; throws NodeFailure like PIL for what it cannot read. */
  loadImage: (name: string) => Promise<{ width: number; height: number; batch: number }>;
}

export interface NodeResult {
  outputs: SimValue[];
  ui?: { images: ImageRef[] };
}

function firstSized(inputs: Record<string, unknown>): SimValue | undefined {
  return Object.values(inputs)
    .map(asValue)
    .find((v) => v !== undefined && v.width > 0);
}

function resized(
  ctx: NodeContext,
  source: SimValue | undefined,
): { width: number; height: number; batch: number } {
  const base = source ?? { width: 512, height: 512, batch: 1 };
  let width = num(ctx.inputs["width"], 0);
  let height = num(ctx.inputs["height"], 0);
  // ComfyUI keeps the aspect ratio when one side is 0.
  if (width === 0 && height === 0) return { width: base.width, height: base.height, batch: base.batch };
  if (width === 0) width = Math.round((base.width * height) / Math.max(1, base.height));
  if (height === 0) height = Math.round((base.height * width) / Math.max(1, base.width));
  return { width, height, batch: base.batch };
}

function tempPrefix(): string {
  const letters = Array.from({ length: 5 }, () => String.fromCharCode(97 + randomInt(26))).join("");
  return `ComfyUI_temp_${letters}`;
}

/** What each node class does in the simulator; unknown classes pass the size of their first image input on. */
export async function runNodeBehaviour(ctx: NodeContext): Promise<NodeResult> {
  const inputs = ctx.inputs;
  switch (ctx.classType) {
    case "CheckpointLoaderSimple":
      await ctx.loadCheckpoint(String(inputs["ckpt_name"]));
      return { outputs: make(ctx, noSize) };
    case "EmptyLatentImage":
    case "EmptySD3LatentImage":
      return {
        outputs: make(ctx, {
          width: num(inputs["width"], 512),
          height: num(inputs["height"], 512),
          batch: num(inputs["batch_size"], 1),
        }),
      };
    case "KSampler": {
      await ctx.runSteps(num(inputs["steps"], 20), ctx.defaultStepMs);
      return { outputs: make(ctx, asValue(inputs["latent_image"]) ?? { width: 512, height: 512, batch: 1 }) };
    }
    case "KSamplerAdvanced": {
      const steps = num(inputs["steps"], 20);
      const last = Math.min(steps, num(inputs["end_at_step"], steps));
      await ctx.runSteps(Math.max(1, last - num(inputs["start_at_step"], 0)), ctx.defaultStepMs);
      return { outputs: make(ctx, asValue(inputs["latent_image"]) ?? { width: 512, height: 512, batch: 1 }) };
    }
    case "FakeSampler": {
      await ctx.runSteps(num(inputs["steps"], 10), num(inputs["step_ms"], ctx.defaultStepMs));
      return {
        outputs: make(ctx, { width: num(inputs["width"], 64), height: num(inputs["height"], 64), batch: 1 }),
      };
    }
    case "FakeFail":
      throw new NodeFailure(
        `${typeof inputs["message"] === "string" ? inputs["message"] : "FakeFail: deliberate failure"}\n`,
      );
    case "LatentUpscale":
    case "ImageScale":
      return { outputs: make(ctx, resized(ctx, firstSized(inputs))) };
    case "LoadImage":
      return { outputs: make(ctx, await ctx.loadImage(String(inputs["image"]))) };
    case "SaveImage":
    case "PreviewImage": {
      const images = asValue(inputs["images"]);
      if (images === undefined) return { outputs: [], ui: { images: [] } };
      const saved =
        ctx.classType === "SaveImage"
          ? ctx.saveImages(
              images,
              "output",
              typeof inputs["filename_prefix"] === "string" ? inputs["filename_prefix"] : "ComfyUI",
            )
          : ctx.saveImages(images, "temp", tempPrefix());
      return { outputs: [], ui: { images: saved } };
    }
    default:
      return (await runImageNode(ctx)) ?? { outputs: make(ctx, firstSized(inputs) ?? noSize) };
  }
}
