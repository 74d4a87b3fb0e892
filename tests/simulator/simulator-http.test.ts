import { PNG } from "pngjs";
import { afterEach, describe, expect, it } from "vitest";
import {
  startComfySimulator,
  type ComfySimulator,
  type SimulatorOptions,
} from "../../src/simulator/comfy-simulator.js";
import { WsCollector, fakeGraph, getJson, sdGraph, submit } from "./ws-collector.js";

/** Text chunks of a PNG, keyword → text. */
function textChunks(png: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString("latin1", at + 4, at + 8);
    if (type === "tEXt") {
      const data = png.subarray(at + 8, at + 8 + length);
      const nul = data.indexOf(0);
      out[data.toString("latin1", 0, nul)] = data.toString("latin1", nul + 1);
    }
    at += 12 + length;
  }
  return out;
}

describe("simulator HTTP surface", () => {
  let sim: ComfySimulator | undefined;
  const collectors: WsCollector[] = [];
  const start = async (options: SimulatorOptions = {}): Promise<ComfySimulator> => {
    sim = await startComfySimulator({ stepMs: 2, ...options });
    return sim;
  };
  const run = async (s: ComfySimulator, prompt: unknown): Promise<Record<string, unknown>> => {
    const ws = await WsCollector.open(s.url, "runner");
    collectors.push(ws);
    const { status, body } = await submit(s.url, prompt, "runner");
    expect(status).toBe(200);
    await ws.waitDone(body["prompt_id"] as string);
    const history = (await getJson(`${s.url}/history/${String(body["prompt_id"])}`)) as Record<
      string,
      Record<string, unknown>
    >;
    return history[body["prompt_id"] as string]!;
  };
  const images = (
    entry: Record<string, unknown>,
    node: string,
  ): Array<{ filename: string; subfolder: string; type: string }> =>
    (
      entry["outputs"] as Record<
        string,
        { images: Array<{ filename: string; subfolder: string; type: string }> }
      >
    )[node]!.images;
  afterEach(async () => {
    for (const c of collectors.splice(0)) c.close();
    await sim?.close();
    sim = undefined;
  });

  it("serves output PNGs whose bytes depend on seed and prompt text and carry the prompt", async () => {
    const s = await start();
    const a = images(
      await run(s, sdGraph({ seed: 1, ckpt: "sd_xl_base_1.0.safetensors", width: 1024, height: 768 })),
      "9",
    )[0]!;
    const b = images(
      await run(s, sdGraph({ seed: 2, ckpt: "sd_xl_base_1.0.safetensors", width: 1024, height: 768 })),
      "9",
    )[0]!;
    const c = images(
      await run(
        s,
        sdGraph({ seed: 2, ckpt: "sd_xl_base_1.0.safetensors", text: "a dog", width: 1024, height: 768 }),
      ),
      "9",
    )[0]!;
    expect([a.filename, b.filename, c.filename]).toEqual([
      "bot_00001_.png",
      "bot_00002_.png",
      "bot_00003_.png",
    ]);
    const bytes = await Promise.all(
      [a, b, c].map(async (img) => {
        const response = await fetch(
          `${s.url}/view?filename=${img.filename}&subfolder=${img.subfolder}&type=${img.type}`,
        );
        expect(response.headers.get("content-type")).toBe("image/png");
        return Buffer.from(await response.arrayBuffer());
      }),
    );
    expect(bytes[0]!.equals(bytes[1]!)).toBe(false);
    expect(bytes[1]!.equals(bytes[2]!)).toBe(false);
    expect(bytes[0]!.equals(s.viewBytes(a.filename)!)).toBe(true);
    const decoded = PNG.sync.read(bytes[0]!);
    // 1024×768 nominal, rendered within the 256 px cap with the aspect ratio kept.
    expect([decoded.width, decoded.height]).toEqual([256, 192]);
    const prompt = JSON.parse(textChunks(bytes[2]!)["prompt"] ?? "{}") as Record<
      string,
      { inputs: Record<string, unknown> }
    >;
    expect(prompt["6"]?.inputs["text"]).toBe("a dog");
    const missing = await fetch(`${s.url}/view?filename=nope.png&subfolder=&type=output`);
    expect(missing.status).toBe(404);
    expect((await missing.arrayBuffer()).byteLength).toBe(0);
  });

  it("saves one file per batch image and pads outputs to outputPadBytes while staying a valid PNG", async () => {
    const s = await start({ outputPadBytes: 1_000_000 });
    const saved = images(
      await run(s, sdGraph({ seed: 9, ckpt: "sd_xl_base_1.0.safetensors", batch: 2 })),
      "9",
    );
    expect(saved.map((i) => i.filename)).toEqual(["bot_00001_.png", "bot_00002_.png"]);
    const bytes = s.viewBytes(saved[1]!.filename)!;
    expect(bytes.length).toBeGreaterThanOrEqual(1_000_000);
    expect(PNG.sync.read(bytes).width).toBe(256);
    expect(bytes.equals(s.viewBytes(saved[0]!.filename)!)).toBe(false);
  });

  it("writes the prompt and each extra_pnginfo entry into the PNG as text chunks", async () => {
    const s = await start();
    const ws = await WsCollector.open(s.url, "meta");
    collectors.push(ws);
    const workflow = { nodes: [{ id: 1, title: "café" }] };
    const { body } = await submit(s.url, fakeGraph(77, 1, "ünïcode"), "meta", {
      extra_data: { extra_pnginfo: { workflow } },
    });
    await ws.waitDone(body["prompt_id"] as string);
    const saved = ws.frames.find((f) => f.type === "executed")?.data["output"] as {
      images: Array<{ filename: string }>;
    };
    const chunks = textChunks(s.viewBytes(saved.images[0]!.filename)!);
    expect(JSON.parse(chunks["workflow"]!)).toEqual(workflow);
    // Non-ASCII is escaped as json.dumps does, so the chunk stays valid Latin-1.
    expect(chunks["prompt"]).toContain("\\u00fcn\\u00efcode");
    expect(
      (JSON.parse(chunks["prompt"]!) as Record<string, { inputs: { prompt: string } }>)["1"]?.inputs.prompt,
    ).toBe("ünïcode");
  });

  it("PreviewImage writes temp files and a fully cached rerun re-sends the same output", async () => {
    const s = await start();
    const graph = {
      "1": fakeGraph(3)["1"],
      "2": { class_type: "PreviewImage", inputs: { images: ["1", 0] } },
    };
    const first = images(await run(s, graph), "2")[0]!;
    expect(first.type).toBe("temp");
    expect(first.filename).toMatch(/^ComfyUI_temp_[a-z]{5}_00001_\.png$/);
    expect(s.viewBytes(first.filename, "", "temp")).toBeDefined();
    const again = await run(s, graph);
    expect(images(again, "2")[0]).toEqual(first);
    expect(
      (again["status"] as { messages: Array<[string, { nodes?: string[] }]> }).messages[1]?.[1].nodes,
    ).toEqual(["1", "2"]);
  });

  it("object_info serves both combo shapes, the configured checkpoints and the exact 2^64-1 seed bound", async () => {
    const s = await start({ checkpoints: ["one.safetensors", "two.ckpt"] });
    const text = await (await fetch(`${s.url}/object_info`)).text();
    expect(text).toContain('"max":18446744073709551615');
    const all = JSON.parse(text) as Record<string, { input: { required: Record<string, unknown[]> } }>;
    expect(all["CheckpointLoaderSimple"]?.input.required["ckpt_name"]?.[0]).toEqual([
      "one.safetensors",
      "two.ckpt",
    ]);
    expect(all["LatentBatchSeedBehavior"]?.input.required["seed_behavior"]).toEqual([
      "COMBO",
      { default: "fixed", multiselect: false, options: ["random", "fixed"] },
    ]);
    for (const cls of [
      "KSampler",
      "KSamplerAdvanced",
      "SaveImage",
      "PreviewImage",
      "LoadImage",
      "FakeSampler",
      "FakeFail",
    ]) {
      expect(Object.keys(all)).toContain(cls);
    }
    expect(await getJson(`${s.url}/object_info/NoSuchNode`)).toEqual({});
    expect(await getJson(`${s.url}/models/checkpoints`)).toEqual(["one.safetensors", "two.ckpt"]);
  });

  it("answers every route under /api/ as well", async () => {
    const s = await start();
    const gets = [
      "/system_stats",
      "/features",
      "/queue",
      "/prompt",
      "/history",
      "/models",
      "/models/checkpoints",
      "/object_info/KSampler",
      "/embeddings",
    ];
    for (const route of gets) {
      const [plain, api] = await Promise.all([fetch(`${s.url}${route}`), fetch(`${s.url}/api${route}`)]);
      expect([route, api.status]).toEqual([route, 200]);
      expect(await api.json()).toEqual(await plain.json());
    }
    const ws = await WsCollector.open(`${s.url}/api`, "api-client");
    collectors.push(ws);
    await ws.waitFor((c) => c.frames.length === 1);
    const { body } = await submit(`${s.url}/api`, fakeGraph(4, 1), "api-client");
    await ws.waitDone(body["prompt_id"] as string);
    for (const route of ["/interrupt", "/queue", "/history"]) {
      const response = await fetch(`${s.url}/api${route}`, {
        method: "POST",
        body: JSON.stringify({ clear: true }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/octet-stream");
    }
    expect(await getJson(`${s.url}/api/history`)).toEqual({});
  });

  it("rejects bad values with ComfyUI's node_errors and runs only the valid output of a partly valid graph", async () => {
    const s = await start({ checkpoints: ["real.safetensors"] });
    const tooBig = await submit(s.url, fakeGraph(1, 20000));
    expect(tooBig.status).toBe(400);
    expect(tooBig.body["node_errors"]).toMatchObject({
      "1": {
        errors: [
          {
            type: "value_bigger_than_max",
            message: "Value 20000 bigger than max of 10000",
            details: "steps",
          },
        ],
        dependent_outputs: ["2"],
      },
    });
    const badCkpt = await submit(s.url, sdGraph({ seed: 1, ckpt: "nope.safetensors" }));
    expect(
      (badCkpt.body["node_errors"] as Record<string, { errors: Array<{ details: string }> }>)["4"]?.errors[0]
        ?.details,
    ).toBe("ckpt_name: 'nope.safetensors' not in ['real.safetensors']");
    const badSampler = sdGraph({ seed: 1, ckpt: "real.safetensors" });
    (badSampler["3"] as { inputs: Record<string, unknown> }).inputs["sampler_name"] = "warp_drive";
    const sampler = await submit(s.url, badSampler);
    expect(
      (sampler.body["node_errors"] as Record<string, { errors: Array<{ type: string }> }>)["3"]?.errors[0]
        ?.type,
    ).toBe("value_not_in_list");
    const malformed = await fetch(`${s.url}/prompt`, { method: "POST", body: "{not json" });
    expect(malformed.status).toBe(500);
    expect(malformed.headers.get("content-type")).toContain("text/plain");

    const partly = {
      ...fakeGraph(5, 1, "ok", "good"),
      "3": fakeGraph(6, 0)["1"],
      "4": { class_type: "SaveImage", inputs: { images: ["3", 0], filename_prefix: "bad" } },
    };
    const entry = await run(s, partly);
    expect((entry["prompt"] as unknown[])[4]).toEqual(["2"]);
    expect(Object.keys(entry["outputs"] as object)).toEqual(["2"]);
  });

  it("uploads an image that LoadImage can then use, renaming on clash unless overwrite is set", async () => {
    const s = await start();
    const png = s.viewBytes("example.png", "", "input")!;
    const upload = async (bytes: Buffer, overwrite: boolean): Promise<unknown> => {
      const form = new FormData();
      form.append("image", new Blob([bytes], { type: "image/png" }), "mine.png");
      if (overwrite) form.append("overwrite", "true");
      return (await fetch(`${s.url}/upload/image`, { method: "POST", body: form })).json();
    };
    expect(await upload(png, true)).toEqual({ name: "mine.png", subfolder: "", type: "input" });
    // The same bytes again keep the name; different bytes under the same name get a suffix.
    expect(await upload(png, false)).toEqual({ name: "mine.png", subfolder: "", type: "input" });
    const other = Buffer.concat([png, Buffer.from("different")]);
    expect(await upload(other, false)).toEqual({ name: "mine (1).png", subfolder: "", type: "input" });
    const info = (await getJson(`${s.url}/object_info/LoadImage`)) as {
      LoadImage: { input: { required: { image: unknown[] } } };
    };
    expect(info.LoadImage.input.required.image[0]).toEqual(["example.png", "mine (1).png", "mine.png"]);
    const entry = await run(s, {
      "1": { class_type: "LoadImage", inputs: { image: "mine.png" } },
      "2": { class_type: "ImageInvert", inputs: { image: ["1", 0] } },
      "3": { class_type: "SaveImage", inputs: { images: ["2", 0], filename_prefix: "inv" } },
    });
    expect(images(entry, "3")[0]?.filename).toBe("inv_00001_.png");
    expect(
      Buffer.from(await (await fetch(`${s.url}/view?filename=mine.png&type=input`)).arrayBuffer()).equals(
        png,
      ),
    ).toBe(true);
  });
});
