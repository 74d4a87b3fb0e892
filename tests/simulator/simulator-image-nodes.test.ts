import sharp from "sharp";
import { afterEach, describe, expect, it } from "vitest";
import {
  startComfySimulator,
  type ComfySimulator,
  type SimulatorOptions,
} from "../../src/simulator/comfy-simulator.js";
import { pngDimensions } from "../../src/simulator/png-renderer.js";
import { WsCollector, getJson, submit } from "./ws-collector.js";

type Graph = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

/** The decoded pixels: saved PNGs also carry the prompt (prefix included) in a text chunk. */
async function pixels(png: Buffer): Promise<Buffer> {
  return sharp(png).raw().toBuffer();
}

async function picture(width: number, height: number, red: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: red, g: 90, b: 30 } } })
    .png()
    .toBuffer();
}

/** LoadImage → VAEEncode → KSampler (denoise 0.5) → VAEDecode → SaveImage, SD 1.5 style. */
function img2img(image: string, seed: number, lora?: string): Graph {
  const graph: Graph = {
    "4": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "v1-5-pruned-emaonly.safetensors" } },
    "10": { class_type: "LoadImage", inputs: { image } },
    "11": { class_type: "VAEEncode", inputs: { pixels: ["10", 0], vae: ["4", 2] } },
    "6": { class_type: "CLIPTextEncode", inputs: { text: "a cat", clip: ["4", 1] } },
    "7": { class_type: "CLIPTextEncode", inputs: { text: "blurry", clip: ["4", 1] } },
    "3": {
      class_type: "KSampler",
      inputs: {
        seed,
        steps: 2,
        cfg: 7,
        sampler_name: "euler",
        scheduler: "normal",
        denoise: 0.5,
        model: ["4", 0],
        positive: ["6", 0],
        negative: ["7", 0],
        latent_image: ["11", 0],
      },
    },
    "8": { class_type: "VAEDecode", inputs: { samples: ["3", 0], vae: ["4", 2] } },
    "9": { class_type: "SaveImage", inputs: { images: ["8", 0], filename_prefix: "i2i" } },
  };
  if (lora !== undefined) {
    graph["12"] = {
      class_type: "LoraLoader",
      inputs: { model: ["4", 0], clip: ["4", 1], lora_name: lora, strength_model: 0.8, strength_clip: 0.8 },
    };
    graph["3"]!.inputs["model"] = ["12", 0];
    graph["6"]!.inputs["clip"] = ["12", 1];
    graph["7"]!.inputs["clip"] = ["12", 1];
  }
  return graph;
}

describe("simulator image-to-image, LoRA and upscale nodes", () => {
  let sim: ComfySimulator | undefined;
  const sockets: WsCollector[] = [];
  const start = async (options: SimulatorOptions = {}): Promise<ComfySimulator> => {
    sim = await startComfySimulator({ stepMs: 1, ...options });
    return sim;
  };
  const upload = async (s: ComfySimulator, bytes: Buffer, name: string): Promise<void> => {
    const form = new FormData();
    form.append("image", new Blob([bytes]), name);
    form.append("overwrite", "true");
    expect((await fetch(`${s.url}/upload/image`, { method: "POST", body: form })).status).toBe(200);
  };
  /** Runs a graph and returns the bytes of its first saved image and the frames the client saw. */
  const run = async (s: ComfySimulator, graph: Graph): Promise<{ png: Buffer; ws: WsCollector }> => {
    const ws = await WsCollector.open(s.url, "img-tests");
    sockets.push(ws);
    const { status, body } = await submit(s.url, graph, "img-tests");
    expect(status, JSON.stringify(body)).toBe(200);
    const promptId = body["prompt_id"] as string;
    await ws.waitDone(promptId);
    const history = (await getJson(`${s.url}/history/${promptId}`)) as Record<
      string,
      { outputs: Record<string, { images: Array<{ filename: string; subfolder: string }> }> }
    >;
    const image = Object.values(history[promptId]!.outputs)[0]!.images[0]!;
    return { png: s.viewBytes(image.filename, image.subfolder)!, ws };
  };
  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.close();
    await sim?.close();
    sim = undefined;
  });

  it("makes an image-to-image output that depends on the uploaded bytes, at the input's size cropped to a multiple of 8", async () => {
    const s = await start({ maxRenderSide: 512 });
    await upload(s, await picture(100, 60, 10), "a.png");
    await upload(s, await picture(100, 60, 250), "b.png");
    const fromA = await run(s, img2img("a.png", 7));
    const fromB = await run(s, img2img("b.png", 7));
    expect(pngDimensions(fromA.png)).toEqual({ width: 96, height: 56 });
    expect((await pixels(fromA.png)).equals(await pixels(fromB.png))).toBe(false);
    const otherSeed = await run(s, img2img("a.png", 8));
    expect((await pixels(otherSeed.png)).equals(await pixels(fromA.png))).toBe(false);
    const again = await run(s, {
      ...img2img("a.png", 7),
      "9": { ...img2img("a.png", 7)["9"]!, inputs: { images: ["8", 0], filename_prefix: "again" } },
    });
    expect((await pixels(again.png)).equals(await pixels(fromA.png))).toBe(true);
  });

  it("reads JPEG and WebP sizes with the EXIF rotation applied, and fails a file no decoder reads as PIL does", async () => {
    const s = await start({ maxRenderSide: 512 });
    const rotated = await sharp({ create: { width: 64, height: 32, channels: 3, background: "#336699" } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    await upload(s, rotated, "phone.jpg");
    const scaled = (image: string): Graph => ({
      "1": { class_type: "LoadImage", inputs: { image } },
      "2": {
        class_type: "ImageScaleBy",
        inputs: { image: ["1", 0], upscale_method: "bilinear", scale_by: 1 },
      },
      "3": { class_type: "SaveImage", inputs: { images: ["2", 0], filename_prefix: "sized" } },
    });
    expect(pngDimensions((await run(s, scaled("phone.jpg"))).png)).toEqual({ width: 32, height: 64 });
    const webp = await sharp({ create: { width: 24, height: 40, channels: 3, background: "#aa0000" } })
      .webp()
      .toBuffer();
    await upload(s, webp, "small.webp");
    expect(pngDimensions((await run(s, scaled("small.webp"))).png)).toEqual({ width: 24, height: 40 });

    await upload(s, Buffer.from("plain text, not a picture"), "notes.png");
    const ws = await WsCollector.open(s.url, "img-tests");
    sockets.push(ws);
    const { body } = await submit(s.url, scaled("notes.png"), "img-tests");
    await ws.waitDone(body["prompt_id"] as string);
    const error = ws.frames.find((f) => f.type === "execution_error")!.data;
    expect(error["exception_type"]).toBe("PIL.UnidentifiedImageError");
    expect(error["exception_message"]).toBe("cannot identify image file 'COMFYUI_ROOT/input/notes.png'");
  });

  it("rounds ImageScaleBy sizes like Python's round(), halves to the even neighbour", async () => {
    const s = await start({ maxRenderSide: 512 });
    await upload(s, await picture(101, 103, 40), "odd.png");
    const { png } = await run(s, {
      "1": { class_type: "LoadImage", inputs: { image: "odd.png" } },
      "2": { class_type: "ImageScaleBy", inputs: { image: ["1", 0], upscale_method: "area", scale_by: 0.5 } },
      "3": { class_type: "SaveImage", inputs: { images: ["2", 0], filename_prefix: "half" } },
    });
    expect(pngDimensions(png)).toEqual({ width: 50, height: 52 });
  });

  it("applies a LoRA from the configured list deterministically, and refuses one that is not installed like a checkpoint", async () => {
    const s = await start({ loras: ["detail.safetensors", "style.safetensors"], maxRenderSide: 128 });
    await upload(s, await picture(64, 64, 120), "in.png");
    const plain = await run(s, img2img("in.png", 3));
    const styled = await run(s, img2img("in.png", 3, "style.safetensors"));
    const detailed = await run(s, img2img("in.png", 3, "detail.safetensors"));
    expect((await pixels(styled.png)).equals(await pixels(plain.png))).toBe(false);
    expect((await pixels(styled.png)).equals(await pixels(detailed.png))).toBe(false);
    const rerun = await run(s, {
      ...img2img("in.png", 3, "style.safetensors"),
      "9": { class_type: "SaveImage", inputs: { images: ["8", 0], filename_prefix: "rerun" } },
    });
    expect((await pixels(rerun.png)).equals(await pixels(styled.png))).toBe(true);

    const refused = await submit(s.url, img2img("in.png", 3, "missing.safetensors"));
    expect(refused.status).toBe(400);
    const nodeErrors = refused.body["node_errors"] as Record<
      string,
      { errors: Array<Record<string, unknown>> }
    >;
    expect(nodeErrors["12"]?.errors[0]).toMatchObject({
      type: "value_not_in_list",
      details: "lora_name: 'missing.safetensors' not in ['detail.safetensors', 'style.safetensors']",
    });
    expect(await getJson(`${s.url}/models/loras`)).toEqual(["detail.safetensors", "style.safetensors"]);
  });

  it("upscales with a model by the factor in its name, one progress step per 480-pixel tile and no previews", async () => {
    const s = await start({
      upscaleModels: ["4x-UltraSharp.pth", "RealESRGAN_x2plus.pth"],
      maxRenderSide: 1024,
    });
    await upload(s, await picture(500, 300, 60), "parent.png");
    const upscale = (model: string): Graph => ({
      "1": { class_type: "LoadImage", inputs: { image: "parent.png" } },
      "2": { class_type: "UpscaleModelLoader", inputs: { model_name: model } },
      "3": { class_type: "ImageUpscaleWithModel", inputs: { upscale_model: ["2", 0], image: ["1", 0] } },
      "4": { class_type: "SaveImage", inputs: { images: ["3", 0], filename_prefix: "up" } },
    });
    const twice = await run(s, upscale("RealESRGAN_x2plus.pth"));
    expect(pngDimensions(twice.png)).toEqual({ width: 1000, height: 600 });
    const progress = twice.ws.frames.filter((f) => f.type === "progress" && f.data["node"] === "3");
    expect(progress.map((f) => [f.data["value"], f.data["max"]])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(twice.ws.binaries).toEqual([]);

    await upload(s, await picture(200, 150, 61), "parent.png");
    expect(pngDimensions((await run(s, upscale("4x-UltraSharp.pth"))).png)).toEqual({
      width: 800,
      height: 600,
    });
    const refused = await submit(s.url, upscale("8x-missing.pth"));
    const nodeErrors = refused.body["node_errors"] as Record<
      string,
      { errors: Array<Record<string, unknown>> }
    >;
    expect(nodeErrors["2"]?.errors[0]?.["details"]).toBe(
      "model_name: '8x-missing.pth' not in ['4x-UltraSharp.pth', 'RealESRGAN_x2plus.pth']",
    );
  });

  it("lists LoRAs and upscale models in each loader's own combo shape, and a host without spandrel has no upscale-model classes", async () => {
    const s = await start({ loras: ["a.safetensors"], upscaleModels: ["2x.pth"] });
    const info = (await getJson(`${s.url}/object_info`)) as Record<
      string,
      { input: { required: Record<string, unknown[]> } }
    >;
    expect(info["LoraLoader"]?.input.required["lora_name"]?.[0]).toEqual(["a.safetensors"]);
    expect(info["LoraLoaderModelOnly"]?.input.required["lora_name"]).toEqual([["a.safetensors"]]);
    expect(info["UpscaleModelLoader"]?.input.required["model_name"]).toEqual([
      "COMBO",
      { multiselect: false, options: ["2x.pth"] },
    ]);
    expect(info["ImageUpscaleWithModel"]?.input.required).toEqual({
      upscale_model: ["UPSCALE_MODEL", {}],
      image: ["IMAGE", {}],
    });
    await s.close();
    const bare = await start({ withoutNodes: ["UpscaleModelLoader", "ImageUpscaleWithModel"] });
    const bareInfo = (await getJson(`${bare.url}/object_info`)) as Record<string, unknown>;
    expect(Object.keys(bareInfo)).not.toContain("UpscaleModelLoader");
    expect(await getJson(`${bare.url}/object_info/ImageUpscaleWithModel`)).toEqual({});
  });
});
