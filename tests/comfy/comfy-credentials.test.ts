import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { ComfyHttp } from "../../src/comfy/comfy-http.js";
import { ComfyError } from "../../src/comfy/comfy-error.js";
import { startComfySimulator } from "../../src/simulator/comfy-simulator.js";
import { collectEvents, fakeWorkflow, makeBackend, started } from "./backend-fixture.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// Characters that must be percent-encoded in a URL's user info, decoded before they are sent.
const credentials = { username: "op@example", password: "p:ss/w rd" };

async function guardedSimulator() {
  const sim = await startComfySimulator({ stepMs: 5, previewMethod: "none", basicAuth: credentials });
  cleanups.push(() => sim.close());
  const withCredentials = sim.url.replace(
    "http://",
    `http://${encodeURIComponent(credentials.username)}:${encodeURIComponent(credentials.password)}@`,
  );
  return { sim, withCredentials };
}

describe("a ComfyUI behind an authenticating reverse proxy (user:password@ in COMFY_URL)", () => {
  it("sends the credentials on HTTP and on the socket alike, and runs a prompt", async () => {
    const { sim, withCredentials } = await guardedSimulator();
    const backend = makeBackend({ url: withCredentials });
    cleanups.push(() => backend.stop());
    await started(backend);
    expect(backend.objectInfo()).toBeDefined();

    const { events, onEvent } = collectEvents();
    const result = await backend.run({ promptId: randomUUID(), prompt: fakeWorkflow({ steps: 3 }), onEvent });

    expect(result.images).toHaveLength(1);
    // Progress comes over the socket only: the upgrade carried the credentials too.
    expect(events.filter((event) => event.type === "progress")).toHaveLength(3);
    expect(backend.url).toBe(sim.url);
  });

  it("is refused without them, which is what the proxy is for", async () => {
    const { sim } = await guardedSimulator();
    const http = new ComfyHttp({ url: sim.url });
    cleanups.push(() => http.close());
    const error = await http.getSystemStats().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ComfyError);
    expect((error as ComfyError).status).toBe(401);
  });
});
