import sharp from "sharp";
import { afterEach, describe, expect, it } from "vitest";
import {
  startComfySimulator,
  type ComfySimulator,
  type SimulatorOptions,
} from "../../src/simulator/comfy-simulator.js";
import { getJson, submit } from "./ws-collector.js";

async function png(width: number, height: number, red = 200): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: red, g: 80, b: 40 } } })
    .png()
    .toBuffer();
}

interface UploadFields {
  name?: string;
  subfolder?: string;
  type?: string;
  overwrite?: string;
}

describe("simulator /upload/image and /view of inputs", () => {
  let sim: ComfySimulator | undefined;
  const start = async (options: SimulatorOptions = {}): Promise<ComfySimulator> => {
    sim = await startComfySimulator({ stepMs: 1, ...options });
    return sim;
  };
  const upload = async (
    s: ComfySimulator,
    bytes: Buffer,
    fields: UploadFields = {},
  ): Promise<{ status: number; text: string }> => {
    const form = new FormData();
    form.append("image", new Blob([bytes], { type: "image/png" }), fields.name ?? "upload.png");
    for (const key of ["subfolder", "type", "overwrite"] as const) {
      const value = fields[key];
      if (value !== undefined) form.append(key, value);
    }
    const response = await fetch(`${s.url}/upload/image`, { method: "POST", body: form });
    return { status: response.status, text: await response.text() };
  };
  const view = async (s: ComfySimulator, query: string): Promise<{ status: number; bytes: Buffer }> => {
    const response = await fetch(`${s.url}/view?${query}`);
    return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
  };
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it("stores an upload under its own name and serves the very same bytes back through /view?type=input", async () => {
    const s = await start();
    const bytes = await png(40, 30);
    const answer = await upload(s, bytes, { name: "cat.png" });
    expect(answer).toEqual({
      status: 200,
      text: JSON.stringify({ name: "cat.png", subfolder: "", type: "input" }),
    });
    const served = await view(s, "filename=cat.png&subfolder=&type=input");
    expect(served.status).toBe(200);
    expect(served.bytes.equals(bytes)).toBe(true);
    expect(s.viewBytes("cat.png", "", "input")?.equals(bytes)).toBe(true);
  });

  it("renames a clash to 'name (1).ext', 'name (2).ext' unless overwrite is exactly 'true' or '1', and reuses a name whose bytes are the same", async () => {
    const s = await start();
    const [a, b, c] = await Promise.all([png(8, 8, 10), png(8, 8, 20), png(8, 8, 30)]);
    const name = async (bytes: Buffer, overwrite?: string): Promise<string> =>
      (
        JSON.parse((await upload(s, bytes, { name: "x.png", ...(overwrite && { overwrite }) })).text) as {
          name: string;
        }
      ).name;
    expect(await name(a)).toBe("x.png");
    expect(await name(b)).toBe("x (1).png");
    // ComfyUI compares hashes along the way: b is found again at "x (1).png", nothing is written.
    expect(await name(b)).toBe("x (1).png");
    expect(await name(a)).toBe("x.png");
    expect(await name(c, "True")).toBe("x (2).png");
    expect(await name(c, "1")).toBe("x.png");
    expect(s.viewBytes("x.png", "", "input")?.equals(c)).toBe(true);
    expect(await name(b, "true")).toBe("x.png");
    expect(s.viewBytes("x.png", "", "input")?.equals(b)).toBe(true);
  });

  it("answers the subfolder and type as given, and lists only top-level image files in LoadImage's options", async () => {
    const s = await start();
    const bytes = await png(16, 16);
    const nested = await upload(s, bytes, { name: "job.png", subfolder: "comfycord/./jobs" });
    expect(JSON.parse(nested.text)).toEqual({
      name: "job.png",
      subfolder: "comfycord/./jobs",
      type: "input",
    });
    expect((await view(s, "filename=job.png&subfolder=comfycord/jobs&type=input")).bytes.equals(bytes)).toBe(
      true,
    );
    await upload(s, Buffer.from("not a picture"), { name: "notes.txt" });
    await upload(s, bytes, { name: "Top.PNG" });
    const temp = await upload(s, bytes, { name: "t.png", type: "temp" });
    expect(JSON.parse(temp.text)).toEqual({ name: "t.png", subfolder: "", type: "temp" });
    const info = (await getJson(`${s.url}/object_info/LoadImage`)) as {
      LoadImage: { input: { required: { image: unknown[] } } };
    };
    expect(info.LoadImage.input.required.image[0]).toEqual(["Top.PNG", "example.png"]);
  });

  it("refuses uploads the way ComfyUI does: 400 without an image or for a path outside the folder, 500 for a text field or an unknown type, 413 past the size limit", async () => {
    const s = await start({ maxUploadBytes: 4096 });
    const bytes = await png(8, 8);
    const post = async (form: FormData): Promise<{ status: number; text: string }> => {
      const response = await fetch(`${s.url}/upload/image`, { method: "POST", body: form });
      return { status: response.status, text: await response.text() };
    };
    const noImage = new FormData();
    noImage.append("subfolder", "x");
    expect(await post(noImage)).toEqual({ status: 400, text: "" });
    const textImage = new FormData();
    textImage.append("image", "not a file");
    expect((await post(textImage)).status).toBe(500);
    expect((await upload(s, bytes, { type: "models" })).status).toBe(500);
    expect(await upload(s, bytes, { subfolder: "../escape" })).toEqual({ status: 400, text: "" });
    expect(await upload(s, bytes, { subfolder: "/etc" })).toEqual({ status: 400, text: "" });
    expect(await upload(s, bytes, { name: "../up.png" })).toEqual({ status: 400, text: "" });
    const json = await fetch(`${s.url}/upload/image`, { method: "POST", body: "{}" });
    expect(json.status).toBe(400);
    const big = await upload(s, Buffer.alloc(8000, 1), { name: "big.png" });
    expect(big.status).toBe(413);
    expect(big.text).toMatch(/^Maximum request body size 4096 exceeded, actual body size \d+$/);
    expect(await getJson(`${s.url}/features`)).toEqual({
      supports_preview_metadata: true,
      max_upload_size: 4096,
    });
  });

  it("serves /view as server.py does: 404 for a missing file, 400 for '..' or an unknown type, 403 for a subfolder outside, only the name's last part", async () => {
    const s = await start();
    const bytes = await png(8, 8);
    await upload(s, bytes, { name: "a.png", subfolder: "sub" });
    expect((await view(s, "filename=a.png&type=input")).status).toBe(404);
    expect((await view(s, "filename=sub/a.png&type=input")).status).toBe(404);
    expect((await view(s, "filename=sub/a.png&subfolder=sub&type=input")).bytes.equals(bytes)).toBe(true);
    expect((await view(s, "filename=a.png%20[input]&subfolder=sub&type=output")).bytes.equals(bytes)).toBe(
      true,
    );
    expect((await view(s, "filename=../a.png&type=input")).status).toBe(400);
    expect((await view(s, "filename=a.png&subfolder=sub&type=models")).status).toBe(400);
    expect((await view(s, "filename=a.png&subfolder=../../etc&type=input")).status).toBe(403);
    expect((await view(s, "subfolder=sub&type=input")).status).toBe(404);
  });

  it("lets LoadImage use an unlisted file in a subfolder or an '[output]' file, and refuses a missing one with ComfyUI's custom validation error", async () => {
    const s = await start();
    await upload(s, await png(8, 8), { name: "in.png", subfolder: "jobs" });
    const graph = (image: string): Record<string, unknown> => ({
      "1": { class_type: "LoadImage", inputs: { image } },
      "2": { class_type: "PreviewImage", inputs: { images: ["1", 0] } },
    });
    expect((await submit(s.url, graph("jobs/in.png"))).status).toBe(200);
    expect((await submit(s.url, graph("example.png [input]"))).status).toBe(200);
    const missing = await submit(s.url, graph("gone.png"));
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      error: {
        type: "prompt_outputs_failed_validation",
        message: "Prompt outputs failed validation",
        // The error is on node 1, not on the output: ComfyUI lists only the output's own.
        details: "",
        extra_info: {},
      },
      node_errors: {
        "1": {
          errors: [
            {
              type: "custom_validation_failed",
              message: "Custom validation failed for node",
              details: "image - Invalid image file: gone.png",
              extra_info: { input_name: "image" },
            },
          ],
          dependent_outputs: ["2"],
          class_type: "LoadImage",
        },
      },
    });
  });
});
