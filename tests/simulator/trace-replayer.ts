import { readFileSync } from "node:fs";
import path from "node:path";
import WebSocket from "ws";
import type { ComfySimulator } from "../../src/simulator/comfy-simulator.js";
import { eventually, type EventuallyOptions } from "../support/eventually.js";
import { simulatorIdle } from "../support/simulator-idle.js";
import { clientTokens, type NormaliseOptions, type TimelineEntry } from "./trace-normaliser.js";
import { roundTrip } from "./ws-collector.js";

export interface Trace {
  scenario: string;
  clients: Record<string, { clientId: string; url: string; feature_flags_sent: unknown }>;
  timeline: TimelineEntry[];
}

export interface ReplayResult {
  observed: TimelineEntry[];
  /** recorded prompt id → observed prompt id, paired by POST /prompt order. */
  idPairs: Array<[string, string]>;
}

interface LiveClient {
  name: string;
  ws: WebSocket;
  entries: TimelineEntry[];
  closed: boolean;
}

/** Replays react to each frame, so they poll fast. */
const poll: EventuallyOptions = { intervalMs: 2 };

/**
 * Waits like `eventually`, but goes on when the time is up: a replay that falls behind is reported by the
 * comparison of the whole streams afterwards, which shows what differs, not just that a wait timed out.
 */
async function waitOrGoOn(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  try {
    await eventually(check, what, { ...poll, timeoutMs });
  } catch {
    // See above: the token comparison reports it.
  }
}

/**
 * Replays a trace's actions (WS opens/sends/closes, HTTP requests, kill/restart) against the simulator.
 * Before each action it waits until every open client has seen as many frames (as tokens) as the real
 * client had when the real action was taken: the replay follows events, not wall-clock time.
 */
export async function replayTrace(
  trace: Trace,
  sim: ComfySimulator,
  opts: NormaliseOptions & {
    tracesDir: string;
    stepMs: number;
    beforeHttp?: (path: string, sim: ComfySimulator) => void;
  },
): Promise<ReplayResult> {
  const observed: TimelineEntry[] = [];
  const clients = new Map<string, LiveClient>();
  const idPairs: Array<[string, string]> = [];
  const recordedToObserved = new Map<string, string>();
  let seq = 0;
  const push = (entry: Omit<TimelineEntry, "seq" | "t_ms">): void => {
    observed.push({ ...entry, seq: seq++, t_ms: 0 });
  };
  const identity = (id: string): string => id;

  /** Until every open client has seen as many tokens as the real one had before `until`. */
  const waitFor = async (until: TimelineEntry): Promise<void> => {
    const cutoff = until.request_started_t_ms;
    const prefix = trace.timeline.filter(
      (e) => e.seq < until.seq && (cutoff === undefined || e.t_ms <= cutoff),
    );
    for (const client of clients.values()) {
      if (client.closed) continue;
      const expected = clientTokens(prefix, client.name, identity, opts).length;
      await waitOrGoOn(
        () => clientTokens(client.entries, client.name, identity, opts).length >= expected,
        `client ${client.name} to see ${expected} tokens before entry ${until.seq}`,
        3000,
      );
    }
  };

  for (const entry of trace.timeline) {
    if (entry.source.startsWith("ws:")) {
      const name = entry.source.slice(3);
      if (entry.kind === "open") {
        await waitFor(entry);
        const url = new URL(entry.url ?? "ws://x/ws");
        const ws = new WebSocket(`${sim.url.replace("http", "ws")}${url.pathname}${url.search}`);
        const client: LiveClient = { name, ws, entries: [], closed: false };
        ws.on("message", (data: Buffer, isBinary) => {
          const record = isBinary
            ? binaryEntry(entry.source, data)
            : {
                source: entry.source,
                kind: "text",
                message: JSON.parse(data.toString()) as NonNullable<TimelineEntry["message"]>,
              };
          const full: TimelineEntry = { ...record, seq: seq++, t_ms: 0 };
          client.entries.push(full);
          observed.push(full);
        });
        ws.on("close", (code) => {
          client.closed = true;
          const full: TimelineEntry = { source: entry.source, kind: "close", code, seq: seq++, t_ms: 0 };
          client.entries.push(full);
          observed.push(full);
        });
        await new Promise<void>((resolve, reject) => {
          ws.once("open", () => resolve());
          ws.once("error", reject);
        });
        clients.set(name, client);
      } else if (entry.kind === "sent_text") {
        clients.get(name)?.ws.send(JSON.stringify(entry.message));
      } else if (entry.kind === "close" && entry.code === 1000) {
        await waitFor(entry);
        const client = clients.get(name);
        if (client !== undefined && !client.closed) {
          client.ws.close(1000);
          await waitOrGoOn(() => client.closed, `client ${name} closed`, 2000);
        }
      }
      continue;
    }
    if (entry.source === "driver" && entry.action?.startsWith("kill")) {
      await waitFor(entry);
      await sim.crash();
      push({ source: "driver", action: "kill" });
      // Let the clients observe their sockets dropping before probing.
      await waitOrGoOn(() => [...clients.values()].every((c) => c.closed), "every client closed", 2000);
    } else if (entry.source === "driver" && entry.action?.startsWith("probe")) {
      const result = entry.action.includes("WS") ? await probeWs(sim) : await probeHttp(sim);
      push({ source: "driver", action: entry.action, result });
    } else if (entry.source === "launcher" && entry.action === "restart") {
      await sim.restart();
      push({ source: "launcher", action: "restart" });
    } else if (entry.source === "http" && entry.request !== undefined && entry.response !== undefined) {
      await waitFor(entry);
      opts.beforeHttp?.(entry.request.path, sim);
      let reqPath = entry.request.path;
      for (const [recorded, ours] of recordedToObserved) reqPath = reqPath.replaceAll(recorded, ours);
      // Output names differ (counters, temp letters): pair the files both sides announced, in order.
      const recordedNames = executedFilenames(trace.timeline);
      const observedNames = executedFilenames(observed);
      recordedNames.forEach((name, i) => {
        const ours = observedNames[i];
        if (ours !== undefined && name !== ours)
          reqPath = reqPath.replaceAll(`filename=${name}&`, `filename=${ours}&`);
      });
      const init = requestInit(entry, recordedToObserved, opts);
      const response = await fetch(`${sim.url}${reqPath}`, init);
      const bytes = Buffer.from(await response.arrayBuffer());
      const contentType = response.headers.get("content-type") ?? "";
      const compareBody = entry.response.body !== undefined && entry.response.body !== null;
      const observedResponse: NonNullable<TimelineEntry["response"]> = {
        status: response.status,
        content_type: contentType,
      };
      if (compareBody && contentType.startsWith("application/json")) {
        observedResponse.body = JSON.parse(bytes.toString("utf8")) as unknown;
      } else if (entry.response.body_text !== undefined) observedResponse.body_text = bytes.toString("utf8");
      else observedResponse.body_omitted = "binary";
      push({
        source: "http",
        request: { method: entry.request.method, path: reqPath },
        response: observedResponse,
      });
      const recordedBody = entry.response.body as Record<string, unknown> | undefined;
      const ourBody = observedResponse.body as Record<string, unknown> | undefined;
      if (entry.request.path === "/prompt" && typeof recordedBody?.["prompt_id"] === "string") {
        const ours = typeof ourBody?.["prompt_id"] === "string" ? ourBody["prompt_id"] : "(missing)";
        idPairs.push([recordedBody["prompt_id"], ours]);
        recordedToObserved.set(recordedBody["prompt_id"], ours);
      }
    }
  }
  // Wait for the rest of each client's stream. Frames that should not come would come from a prompt
  // still held by the simulator (an interrupt or a kill ends a step at once), so wait until it holds
  // none; a ping's pong then shows each client has every frame sent before it.
  const everything = trace.timeline.at(-1);
  if (everything !== undefined) await waitFor({ ...everything, seq: Number.MAX_SAFE_INTEGER });
  await eventually(async () => await simulatorIdle(sim), "the simulator to hold no prompt", poll);
  for (const client of clients.values()) if (!client.closed) await roundTrip(client.ws);
  for (const client of clients.values()) if (!client.closed) client.ws.terminate();
  return { observed, idPairs };
}

function executedFilenames(entries: readonly TimelineEntry[]): string[] {
  return entries
    .filter((e) => e.kind === "text" && e.message?.type === "executed")
    .flatMap((e) =>
      ((e.message?.data["output"] as { images?: Array<{ filename: string }> }).images ?? []).map(
        (i) => i.filename,
      ),
    );
}

function binaryEntry(source: string, data: Buffer): Omit<TimelineEntry, "seq" | "t_ms"> {
  const event = data.readUInt32BE(0);
  const second = data.readUInt32BE(4);
  const entry: Omit<TimelineEntry, "seq" | "t_ms"> = {
    source,
    kind: "binary",
    u32be_0_event_type: event,
    u32be_1: second,
  };
  if (event === 4)
    entry.metadata = JSON.parse(data.subarray(8, 8 + second).toString("utf8")) as Record<string, unknown>;
  return entry;
}

function requestInit(
  entry: TimelineEntry,
  ids: Map<string, string>,
  opts: { tracesDir: string; stepMs: number },
): RequestInit {
  const request = entry.request!;
  if (request.body_raw !== undefined) return { method: request.method, body: request.body_raw };
  if (request.body_multipart !== undefined) {
    const form = new FormData();
    for (const [name, value] of Object.entries(request.body_multipart)) {
      if (name === "image") {
        // The recorded upload was the PNG saved from scenario a.
        const bytes = readFileSync(path.join(opts.tracesDir, "a_success.view_output.png"));
        form.append("image", new Blob([bytes], { type: "image/png" }), value.split(" ")[0] ?? "upload.png");
      } else form.append(name, value);
    }
    return { method: request.method, body: form };
  }
  if (request.body === undefined) return { method: request.method };
  let text = JSON.stringify(request.body, (key, value: unknown) => (key === "step_ms" ? opts.stepMs : value));
  for (const [recorded, ours] of ids) text = text.replaceAll(recorded, ours);
  return { method: request.method, body: text, headers: { "content-type": "application/json" } };
}

async function probeHttp(sim: ComfySimulator): Promise<string> {
  try {
    await fetch(`${sim.url}/system_stats`);
    return "connected";
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? "error";
  }
}

async function probeWs(sim: ComfySimulator): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${sim.url.replace("http", "ws")}/ws`);
    ws.once("open", () => {
      ws.terminate();
      resolve("connected");
    });
    ws.once("error", (error: Error & { code?: string }) => resolve(error.code ?? "error"));
  });
}
