import { afterEach, describe, expect, it } from "vitest";
import {
  startComfySimulator,
  type ComfySimulator,
  type SimulatorOptions,
} from "../../src/simulator/comfy-simulator.js";
import { eventually } from "../support/eventually.js";
import { WsCollector, fakeGraph, getJson, sdGraph, submit } from "./ws-collector.js";

describe("simulator lifecycle and knobs", () => {
  let sim: ComfySimulator | undefined;
  const collectors: WsCollector[] = [];
  const start = async (options: SimulatorOptions = {}): Promise<ComfySimulator> => {
    sim = await startComfySimulator({ stepMs: 5, ...options });
    return sim;
  };
  const connect = async (
    s: ComfySimulator,
    clientId?: string,
    flags?: Record<string, unknown>,
  ): Promise<WsCollector> => {
    const c = await WsCollector.open(s.url, clientId, flags);
    collectors.push(c);
    return c;
  };
  afterEach(async () => {
    for (const c of collectors.splice(0)) c.close();
    await sim?.close();
    sim = undefined;
  });

  it("crash drops sockets with 1006, refuses connections, and restart comes back empty on the same port", async () => {
    const s = await start({ stepMs: 20 });
    const ws = await connect(s, "crash-client");
    const first = await submit(s.url, fakeGraph(1, 2), "crash-client");
    await ws.waitDone(first.body["prompt_id"] as string);
    const running = await submit(s.url, fakeGraph(2, 200), "crash-client");
    const pending = await submit(s.url, fakeGraph(3, 200), "crash-client");
    await ws.waitFor((c) => c.types().includes("progress"));
    const port = s.port;

    await s.crash();
    await ws.waitFor((c) => c.closeCode !== undefined);
    expect(ws.closeCode).toBe(1006);
    await expect(fetch(`${s.url}/system_stats`)).rejects.toThrow();

    await s.restart();
    expect(s.port).toBe(port);
    for (const id of [first.body["prompt_id"], running.body["prompt_id"], pending.body["prompt_id"]]) {
      expect(await getJson(`${s.url}/history/${String(id)}`)).toEqual({});
    }
    expect(await getJson(`${s.url}/history`)).toEqual({});
    expect(await getJson(`${s.url}/queue`)).toEqual({ queue_running: [], queue_pending: [] });
    const again = await connect(s, "crash-client");
    await again.waitFor((c) => c.frames.length >= 1);
    expect(again.frames[0]).toEqual({
      type: "status",
      data: { status: { exec_info: { queue_remaining: 0 } }, sid: "crash-client" },
    });
    // The old run must not leak frames or history into the new process: run a new prompt on it, and
    // by its end the new process has sent only that prompt's frames and holds only its history.
    const next = await submit(s.url, fakeGraph(4, 3), "crash-client");
    const nextId = next.body["prompt_id"] as string;
    await again.waitDone(nextId);
    const promptIds = again.frames.flatMap((f) =>
      f.data["prompt_id"] === undefined ? [] : [f.data["prompt_id"]],
    );
    expect(new Set(promptIds)).toEqual(new Set([nextId]));
    expect(again.frames.filter((f) => f.type === "progress")).toHaveLength(3);
    expect(Object.keys((await getJson(`${s.url}/history`)) as object)).toEqual([nextId]);
  });

  it("deaf mode keeps sockets open and answers pings but sends no frame, while HTTP still works", async () => {
    const s = await start();
    const ws = await connect(s, "deaf-client");
    await ws.waitFor((c) => c.frames.length === 1);
    s.setDeaf(true);
    const { body } = await submit(s.url, fakeGraph(7, 3), "deaf-client");
    const id = body["prompt_id"] as string;
    let history: Record<string, { status: { status_str: string } }> = {};
    await eventually(
      async () => {
        history = (await getJson(`${s.url}/history/${id}`)) as typeof history;
        return Object.keys(history).length > 0;
      },
      "the prompt in /history",
      { timeoutMs: 3000 },
    );
    expect(history[id]?.status.status_str).toBe("success");
    await ws.roundTrip();
    expect(ws.frames).toHaveLength(1);
    expect(ws.binaries).toHaveLength(0);
    expect(ws.closeCode).toBeUndefined();

    s.setDeaf(false);
    const next = await submit(s.url, fakeGraph(8, 2), "deaf-client");
    await ws.waitDone(next.body["prompt_id"] as string);
  });

  it("a class listed in failNodes raises an execution_error, and clearing the list lets the next run succeed", async () => {
    const s = await start({ failNodes: ["SaveImage"] });
    const ws = await connect(s, "fail-client");
    const failed = await submit(s.url, fakeGraph(11, 2), "fail-client");
    await ws.waitDone(failed.body["prompt_id"] as string);
    const error = ws.frames.find((f) => f.type === "execution_error");
    expect(error?.data).toMatchObject({
      node_id: "2",
      node_type: "SaveImage",
      executed: ["1"],
      exception_type: "RuntimeError",
    });
    expect(ws.types()).not.toContain("execution_success");
    const history = (await getJson(`${s.url}/history/${String(failed.body["prompt_id"])}`)) as Record<
      string,
      { status: unknown }
    >;
    expect(Object.values(history)[0]?.status).toMatchObject({ status_str: "error", completed: false });

    s.setFailNodes([]);
    const ok = await submit(s.url, fakeGraph(12, 2), "fail-client");
    await ws.waitDone(ok.body["prompt_id"] as string);
    expect(ws.frames.filter((f) => f.type === "execution_success")).toHaveLength(1);
    expect(s.stats.executions.map((e) => e.outcome)).toEqual(["error", "success"]);
  });

  it("previewMethod none sends progress but no binary frames", async () => {
    const s = await start({ previewMethod: "none" });
    const ws = await connect(s, "quiet-client");
    const { body } = await submit(s.url, fakeGraph(5, 4), "quiet-client");
    await ws.waitDone(body["prompt_id"] as string);
    expect(ws.frames.filter((f) => f.type === "progress")).toHaveLength(4);
    expect(ws.binaries).toHaveLength(0);
    const stats = (await getJson(`${s.url}/api/system_stats`)) as { system: { argv: string[] } };
    expect(stats.system.argv.slice(-2)).toEqual(["--preview-method", "none"]);
  });

  it("previews are event 1 for plain clients and event 4 with metadata for clients that declared it", async () => {
    const s = await start();
    const plain = await connect(s, "plain");
    const modern = await connect(s, "modern", { supports_preview_metadata: true });
    await modern.waitFor((c) => c.types().includes("feature_flags"));
    const a = await submit(s.url, fakeGraph(21, 2), "plain");
    const b = await submit(s.url, fakeGraph(22, 2), "modern");
    await plain.waitDone(a.body["prompt_id"] as string);
    await modern.waitDone(b.body["prompt_id"] as string);
    expect(plain.binaries.map((x) => [x.readUInt32BE(0), x.readUInt32BE(4)])).toEqual([
      [1, 1],
      [1, 1],
    ]);
    const frame = modern.binaries[0]!;
    expect(frame.readUInt32BE(0)).toBe(4);
    const meta = JSON.parse(frame.subarray(8, 8 + frame.readUInt32BE(4)).toString()) as Record<
      string,
      unknown
    >;
    expect(meta).toEqual({
      node_id: "1",
      prompt_id: b.body["prompt_id"],
      display_node_id: "1",
      parent_node_id: null,
      real_node_id: "1",
      image_type: "image/jpeg",
    });
    expect(frame.subarray(8 + frame.readUInt32BE(4), 8 + frame.readUInt32BE(4) + 2).toString("hex")).toBe(
      "ffd8",
    );
  });

  it("a targeted interrupt only stops the prompt it names, and a bare one stops whatever runs", async () => {
    const s = await start({ stepMs: 10 });
    const ws = await connect(s, "int-client");
    const long = await submit(s.url, fakeGraph(31, 500), "int-client");
    const id = long.body["prompt_id"] as string;
    await ws.waitFor((c) => c.types().includes("progress"));
    await fetch(`${s.url}/interrupt`, { method: "POST", body: JSON.stringify({ prompt_id: "not-running" }) });
    // An interrupt ends the run at once, so two more steps show this one was ignored.
    const steps = (c: WsCollector): number => c.types().filter((type) => type === "progress").length;
    const stepsSoFar = steps(ws);
    await ws.waitFor((c) => steps(c) >= stepsSoFar + 2 || c.types().includes("execution_interrupted"));
    expect(ws.types()).not.toContain("execution_interrupted");
    await fetch(`${s.url}/interrupt`, { method: "POST" });
    await ws.waitDone(id);
    expect(ws.frames.find((f) => f.type === "execution_interrupted")?.data).toMatchObject({
      prompt_id: id,
      node_id: "1",
      node_type: "FakeSampler",
    });
    const history = (await getJson(`${s.url}/history/${id}`)) as Record<
      string,
      { status: { status_str: string; completed: boolean; messages: Array<[string]> } }
    >;
    expect(history[id]?.status.status_str).toBe("error");
    expect(history[id]?.status.completed).toBe(false);
    expect(history[id]?.status.messages.at(-1)?.[0]).toBe("execution_interrupted");
  });

  it("a changed checkpoint costs loadMs, the same one again does not, and hooks report each run", async () => {
    const s = await start({ loadMs: 150, stepMs: 1 });
    const ws = await connect(s, "load-client");
    const events: string[] = [];
    s.on("execution_start", () => events.push("start"));
    s.on("execution_success", () => events.push("success"));
    for (const [seed, ckpt] of [
      [1, "sd_xl_base_1.0.safetensors"],
      [2, "sd_xl_base_1.0.safetensors"],
      [3, "v1-5-pruned-emaonly.safetensors"],
    ] as const) {
      const { body } = await submit(s.url, sdGraph({ seed, ckpt }), "load-client");
      await ws.waitDone(body["prompt_id"] as string);
    }
    const [first, second, third] = s.stats.executions.map((e) => e.computeMs);
    expect(first).toBeGreaterThanOrEqual(150);
    expect(second).toBeLessThan(150);
    expect(third).toBeGreaterThanOrEqual(150);
    expect(events).toEqual(["start", "success", "start", "success", "start", "success"]);
  });

  it("a second socket with the same client id takes over, and a reconnect mid-run is told the running node", async () => {
    const s = await start({ stepMs: 10 });
    const old = await connect(s, "same");
    const { body } = await submit(s.url, fakeGraph(41, 60), "same");
    await old.waitFor((c) => c.types().includes("progress"));
    const fresh = await connect(s, "same");
    await fresh.waitDone(body["prompt_id"] as string);
    expect(fresh.frames[0]?.type).toBe("status");
    expect(fresh.frames[1]).toEqual({ type: "executing", data: { node: "1" } });
    const oldCount = old.frames.length;
    expect(old.types()).not.toContain("execution_success");
    const next = await submit(s.url, fakeGraph(42, 1), "same");
    await fresh.waitDone(next.body["prompt_id"] as string);
    expect(old.frames).toHaveLength(oldCount);
  });

  it("closing a superseded socket unregisters the client id, as ComfyUI's handler pops it on any close", async () => {
    const s = await start();
    const old = await connect(s, "twice");
    const fresh = await connect(s, "twice");
    await fresh.waitFor((c) => c.frames.length === 1);
    old.close();
    await old.waitFor((c) => c.closeCode !== undefined);
    const { body } = await submit(s.url, fakeGraph(61, 1), "twice");
    const watcher = await connect(s, "watcher");
    await watcher.waitFor((c) => c.frames.length >= 1);
    await eventually(
      async () =>
        Object.keys((await getJson(`${s.url}/history/${String(body["prompt_id"])}`)) as object).length > 0,
      "the prompt in /history",
      { timeoutMs: 2000 },
    );
    // Frames sent before it finished have all arrived.
    await fresh.roundTrip();
    // The newer socket is still open but no longer registered: not even status broadcasts reach it.
    expect(fresh.closeCode).toBeUndefined();
    expect(fresh.types()).toEqual(["status"]);
    expect(watcher.types()).toContain("status");
  });

  it("a prompt without client_id sends progress to everyone but its lifecycle events to nobody", async () => {
    const s = await start();
    const a = await connect(s, "watcher-a");
    const { body } = await submit(s.url, fakeGraph(51, 2));
    const id = body["prompt_id"] as string;
    // The initial status and the one after the run both say 0.
    const idle = (c: WsCollector): number =>
      c.frames.filter(
        (f) =>
          f.type === "status" &&
          (f.data["status"] as { exec_info: { queue_remaining: number } }).exec_info.queue_remaining === 0,
      ).length;
    await a.waitFor((c) => idle(c) >= 2);
    // The run's last frames (status, then `executing: null`) go out together: after a round trip,
    // everything the run sent has arrived.
    await a.roundTrip();
    expect(a.types()).toContain("progress_state");
    expect(a.types()).not.toContain("execution_start");
    expect(a.types()).not.toContain("executing");
    expect(a.binaries.length).toBeGreaterThan(0);
    expect(Object.keys((await getJson(`${s.url}/history/${id}`)) as object)).toEqual([id]);
  });
});
