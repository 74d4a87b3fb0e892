import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { afterEach, describe, expect, it } from "vitest";
import { ComfyError } from "../../src/comfy/comfy-error.js";
import { ComfyHttp } from "../../src/comfy/comfy-http.js";
import { loadImageValue } from "../../src/comfy/upload-image.js";
import {
  startComfySimulator,
  type ComfySimulator,
  type SimulatorOptions,
} from "../../src/simulator/comfy-simulator.js";
import { makeBackend } from "./backend-fixture.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sim(options: SimulatorOptions = {}): Promise<ComfySimulator> {
  const simulator = await startComfySimulator({ stepMs: 1, previewMethod: "none", ...options });
  cleanups.push(() => simulator.close());
  return simulator;
}

function client(url: string, maxJsonBytes?: number): ComfyHttp {
  const http = new ComfyHttp({ url, requestTimeoutMs: 2_000, ...(maxJsonBytes && { maxJsonBytes }) });
  cleanups.push(() => http.close());
  return http;
}

async function photo(red: number): Promise<Buffer> {
  return sharp({ create: { width: 32, height: 24, channels: 3, background: { r: red, g: 10, b: 90 } } })
    .jpeg()
    .toBuffer();
}

async function failure(promise: Promise<unknown>): Promise<ComfyError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ComfyError);
  return error as ComfyError;
}

describe("ComfyHttp.uploadImage", () => {
  it("sends the exact bytes as multipart and returns ComfyUI's name, subfolder and type with the LoadImage value", async () => {
    const s = await sim();
    const bytes = await photo(1);
    const uploaded = await client(s.url).uploadImage(bytes, "job-1.jpg", { subfolder: "comfycord" });
    expect(uploaded).toEqual({
      name: "job-1.jpg",
      subfolder: "comfycord",
      type: "input",
      loadImageValue: "comfycord/job-1.jpg",
    });
    expect(s.viewBytes("job-1.jpg", "comfycord", "input")?.equals(bytes)).toBe(true);
  });

  it("follows a rename on a clash without overwrite, keeps the name with overwrite, and a LoadImage of the value is accepted", async () => {
    const s = await sim();
    const http = client(s.url);
    await http.uploadImage(await photo(1), "in.jpg");
    const renamed = await http.uploadImage(await photo(2), "in.jpg");
    expect(renamed.name).toBe("in (1).jpg");
    expect(renamed.loadImageValue).toBe("in (1).jpg");
    const replaced = await http.uploadImage(await photo(3), "in.jpg", { overwrite: true });
    expect(replaced.name).toBe("in.jpg");
    expect(s.viewBytes("in.jpg", "", "input")?.equals(await photo(3))).toBe(true);

    const output = await http.uploadImage(await photo(4), "parent.jpg", {
      type: "output",
      subfolder: "runs",
    });
    expect(output.loadImageValue).toBe("runs/parent.jpg [output]");
    const accepted = await http.postPrompt({
      prompt: {
        "1": { class_type: "LoadImage", inputs: { image: output.loadImageValue } },
        "2": { class_type: "LoadImage", inputs: { image: renamed.loadImageValue } },
        "3": {
          class_type: "ImageBlend",
          inputs: { image1: ["1", 0], image2: ["2", 0], blend_factor: 0.5, blend_mode: "normal" },
        },
        "4": { class_type: "PreviewImage", inputs: { images: ["3", 0] } },
      },
      client_id: "upload-test",
      prompt_id: "5f0c1a52-3c9e-4c55-9d5e-7f1f2b7a9e01",
    });
    expect(accepted.node_errors).toEqual({});
  });

  it("reports a file over the host's upload limit as comfy_validation (413), which is no fault of the host", async () => {
    const s = await sim({ maxUploadBytes: 2048 });
    const error = await failure(client(s.url).uploadImage(Buffer.alloc(10_000, 7), "big.png"));
    expect(error.code).toBe("comfy_validation");
    expect(error.status).toBe(413);
    expect(error.message).toContain("--max-upload-size");
    expect(error.isBackendFault).toBe(false);
  });

  it("caps the answer like every JSON answer, maps a 500 to comfy_bad_response and a closed port to comfy_unreachable", async () => {
    const padded = await sim({ jsonPadBytes: 50_000 });
    const capped = await failure(client(padded.url, 10_000).uploadImage(await photo(5), "a.jpg"));
    expect(capped.code).toBe("comfy_bad_response");
    expect(capped.message).toContain("comfy.maxJsonBytes");

    const broken = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end("500 Internal Server Error\n\nServer got itself in trouble");
      });
    });
    await new Promise<void>((resolve) => broken.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => broken.close(() => resolve())));
    const port = (broken.address() as AddressInfo).port;
    const bad = await failure(client(`http://127.0.0.1:${port}`).uploadImage(await photo(6), "b.jpg"));
    expect(bad.code).toBe("comfy_bad_response");
    expect(bad.status).toBe(500);
    expect(bad.isBackendFault).toBe(true);

    const gone = await sim();
    const url = gone.url;
    await gone.crash();
    expect((await failure(client(url).uploadImage(await photo(7), "c.jpg"))).code).toBe("comfy_unreachable");
  });

  it("refuses a file name with a path in it or a subfolder that climbs out, before sending anything", async () => {
    const s = await sim();
    const http = client(s.url);
    await expect(http.uploadImage(await photo(8), "../x.jpg")).rejects.toThrow(TypeError);
    await expect(http.uploadImage(await photo(8), "a/b.jpg")).rejects.toThrow(TypeError);
    await expect(http.uploadImage(await photo(8), "x.jpg", { subfolder: "../up" })).rejects.toThrow(
      TypeError,
    );
    expect(s.viewBytes("x.jpg", "", "input")).toBeUndefined();
  });

  it("builds the LoadImage value ComfyUI resolves: subfolder/name, and an annotation outside the input folder", () => {
    expect(loadImageValue({ name: "a.png", subfolder: "", type: "input" })).toBe("a.png");
    expect(loadImageValue({ name: "a.png", subfolder: "x/y/", type: "input" })).toBe("x/y/a.png");
    expect(loadImageValue({ name: "a.png", subfolder: "", type: "temp" })).toBe("a.png [temp]");
  });
});

describe("ComfyBackend.uploadImage", () => {
  it("uploads to its own host and tags a refusal with the backend's id", async () => {
    const s = await sim({ maxUploadBytes: 4096 });
    const backend = makeBackend(s, { id: "gpu-upload" });
    cleanups.push(() => backend.stop());
    const bytes = await photo(9);
    expect((await backend.uploadImage(bytes, "mine.jpg")).loadImageValue).toBe("mine.jpg");
    expect(s.viewBytes("mine.jpg", "", "input")?.equals(bytes)).toBe(true);
    const error = await failure(backend.uploadImage(Buffer.alloc(9000), "huge.png"));
    expect(error.backendId).toBe("gpu-upload");
    expect(error.code).toBe("comfy_validation");
  });
});
