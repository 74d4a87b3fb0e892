import { randomUUID } from "node:crypto";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ComfyError } from "../../src/comfy/comfy-error.js";
import { ComfyHttp } from "../../src/comfy/comfy-http.js";
import { submitPrompt } from "../../src/comfy/submit-prompt.js";
import { startComfySimulator, type ComfySimulator } from "../../src/simulator/comfy-simulator.js";
import { eventually } from "../support/eventually.js";
import { fakeWorkflow, makeBackend, started } from "./backend-fixture.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(url: string, requestTimeoutMs = 2_000): ComfyHttp {
  const http = new ComfyHttp({ url, requestTimeoutMs });
  cleanups.push(() => http.close());
  return http;
}

async function sim(): Promise<ComfySimulator> {
  const simulator = await startComfySimulator({ stepMs: 5, previewMethod: "none" });
  cleanups.push(() => simulator.close());
  return simulator;
}

/** Forwards to the simulator; `dropPrompt` decides what happens to each POST /prompt. */
async function flakyProxy(
  target: string,
  dropPrompt: (count: number) => "forward" | "swallow" | "lose-answer",
) {
  let posts = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const isPost = req.method === "POST" && req.url === "/prompt";
      const mode = isPost ? dropPrompt(++posts) : "forward";
      if (mode === "swallow") {
        req.socket.destroy();
        return;
      }
      const upstream = httpRequest(
        `${target}${req.url ?? "/"}`,
        { method: req.method, headers: req.headers },
        (answer) => {
          const body: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => body.push(chunk));
          answer.on("end", () => {
            if (mode === "lose-answer") {
              req.socket.destroy();
              return;
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      upstream.end(Buffer.concat(chunks));
    });
  });
  return { url: await listen(server), posts: () => posts };
}

describe("ComfyHttp", () => {
  it("reports a closed port as comfy_unreachable", async () => {
    const server = createServer();
    const url = await listen(server);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await client(url)
      .getQueue()
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ComfyError);
    expect((error as ComfyError).code).toBe("comfy_unreachable");
  });

  it("reports a response that breaks its schema as comfy_bad_response, and a silent server as a request timeout", async () => {
    const url = await listen(
      createServer((req, res) => {
        if (req.url === "/queue") res.end(JSON.stringify({ queue_running: "nope" }));
        // Anything else: never answer.
      }),
    );
    const http = client(url, 200);
    await expect(http.getQueue()).rejects.toMatchObject({ code: "comfy_bad_response" });
    await expect(http.getSystemStats()).rejects.toMatchObject({ code: "comfy_timeout", timeout: "request" });
  });

  it("downloads an output whose name needs URL encoding", async () => {
    const simulator = await sim();
    const backend = makeBackend(simulator);
    cleanups.push(() => backend.stop());
    await started(backend);
    const prompt = fakeWorkflow();
    prompt["2"]!.inputs.filename_prefix = "a b&c=d #e";
    const result = await backend.run({ promptId: randomUUID(), prompt });
    const image = result.images[0]!;
    expect(image.filename.startsWith("a b&c=d #e")).toBe(true);
    expect(Buffer.compare(image.bytes, simulator.viewBytes(image.filename)!)).toBe(0);
  });
});

describe("submitPrompt", () => {
  const body = (promptId: string) => ({
    prompt: fakeWorkflow(),
    client_id: "submit-test",
    prompt_id: promptId,
  });

  it("does not run a prompt twice when the answer to POST /prompt is lost", async () => {
    const simulator = await sim();
    const proxy = await flakyProxy(simulator.url, (count) => (count === 1 ? "lose-answer" : "forward"));
    const promptId = randomUUID();
    const accepted = await submitPrompt(client(proxy.url), body(promptId), { retryDelayMs: 10 });
    expect(accepted.number).toBeGreaterThanOrEqual(0);
    expect(proxy.posts()).toBe(1);
    await eventually(() => simulator.stats.executions.length > 0, "the prompt's run to end");
    // ComfyUI holds nothing more to run, so no second run can follow.
    const queue = await client(simulator.url).getQueue();
    expect([...queue.running, ...queue.pending]).toEqual([]);
    expect(simulator.stats.executions.map((record) => record.promptId)).toEqual([promptId]);
  });

  it("sends the prompt again when the first POST never reached ComfyUI", async () => {
    const simulator = await sim();
    const proxy = await flakyProxy(simulator.url, (count) => (count === 1 ? "swallow" : "forward"));
    const promptId = randomUUID();
    await submitPrompt(client(proxy.url), body(promptId), { retryDelayMs: 10 });
    expect(proxy.posts()).toBe(2);
    await eventually(() => simulator.stats.executions.length > 0, "the prompt's run to end");
    expect(simulator.stats.executions.map((record) => record.promptId)).toEqual([promptId]);
  });

  it("gives up with the transport error after the configured attempts", async () => {
    const simulator = await sim();
    const proxy = await flakyProxy(simulator.url, () => "swallow");
    const error = await submitPrompt(client(proxy.url), body(randomUUID()), {
      attempts: 2,
      retryDelayMs: 10,
    }).catch((reason: unknown) => reason);
    expect((error as ComfyError).code).toBe("comfy_unreachable");
    expect(proxy.posts()).toBe(2);
  });
});
