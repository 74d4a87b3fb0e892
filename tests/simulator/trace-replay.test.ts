import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  startComfySimulator,
  type ComfySimulator,
  type SimulatorOptions,
} from "../../src/simulator/comfy-simulator.js";
import { tracesDir } from "../support/traces-dir.js";
import { clientTokens, controlTokens, type NormaliseOptions } from "./trace-normaliser.js";
import { replayTrace, type Trace } from "./trace-replayer.js";

const defaultStepMs = 10;

interface Row {
  file: string;
  options?: SimulatorOptions;
  /** Step time for this replay (FakeSampler step_ms is rewritten to it); default 10 ms. */
  stepMs?: number;
  /** See NormaliseOptions.collapseSteps; set where step counts depend on wall-clock timing. */
  collapseSteps?: boolean;
  beforeHttp?: (requestPath: string, sim: ComfySimulator) => void;
}

const rows: Row[] = [
  { file: "a_success.json" },
  { file: "a2_success_feature_flags.json" },
  { file: "a3_success_preview_method_none.json", options: { previewMethod: "none" } },
  { file: "b_cached.json" },
  { file: "c_execution_error.json" },
  // The real server had no checkpoints, hence "not in []".
  { file: "d_invalid_prompts.json", options: { checkpoints: [] } },
  // Back-to-back POSTs must land before the first step ends, as they did against 50 ms steps.
  { file: "e_three_queued.json", stepMs: 30 },
  // Interrupts land between steps: the real sampler finished a step or two after POST /interrupt.
  // Also two back-to-back POSTs, hence the longer steps (see e).
  { file: "f_interrupt_and_delete.json", stepMs: 30, collapseSteps: true },
  // g5 interrupts mid-run, so step counts before it are timing.
  { file: "g_two_clients.json", collapseSteps: true },
  {
    file: "h_info_endpoints.json",
    options: { checkpoints: [] },
    // The recorder dropped two empty checkpoint files in after the full /object_info fetch.
    beforeHttp: (requestPath, sim) => {
      if (requestPath === "/models/checkpoints" || requestPath === "/object_info/CheckpointLoaderSimple")
        return;
      if (requestPath === "/object_info") sim.setCheckpoints(["dummy.safetensors", "sub/nested.ckpt"]);
    },
  },
  { file: "i_kill_SIGKILL.json", stepMs: 30 },
  { file: "i_kill_SIGTERM.json", stepMs: 30 },
  // SIGINT shuts down gracefully in ComfyUI, yet the client still saw 1006: crash() matches that. The
  // last preview before the kill was lost in flight on the real server, so step frames are collapsed.
  { file: "i_kill_SIGINT.json", stepMs: 30, collapseSteps: true },
  { file: "j_extras.json" },
  // The reconnecting client misses a timing-dependent number of steps.
  { file: "k_client_reconnect_mid_run.json", collapseSteps: true },
  { file: "l_upload_and_builtin_nodes.json" },
];

function labellers(pairs: Array<[string, string]>): {
  recorded: (id: string) => string;
  observed: (id: string) => string;
  recordedIds: string[];
  observedIds: string[];
} {
  const recorded = new Map<string, string>();
  const observed = new Map<string, string>();
  for (const [rec, ours] of pairs) {
    const label = recorded.get(rec) ?? `P${recorded.size + 1}`;
    recorded.set(rec, label);
    observed.set(ours, label);
  }
  return {
    recorded: (id) => recorded.get(id) ?? id,
    observed: (id) => observed.get(id) ?? id,
    recordedIds: [...recorded.keys()],
    observedIds: [...observed.keys()],
  };
}

describe("trace replay against the recorded ComfyUI 0.3.64", () => {
  let sim: ComfySimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it.each(rows)(
    "$file: each client receives the same frames and each request the same answer",
    async (row) => {
      const trace = JSON.parse(readFileSync(path.join(tracesDir, row.file), "utf8")) as Trace;
      const stepMs = row.stepMs ?? defaultStepMs;
      sim = await startComfySimulator({ stepMs, ...row.options });
      const opts: NormaliseOptions = { collapseSteps: row.collapseSteps ?? false };
      const { observed, idPairs } = await replayTrace(trace, sim, {
        ...opts,
        tracesDir,
        stepMs,
        ...(row.beforeHttp === undefined ? {} : { beforeHttp: row.beforeHttp }),
      });
      const l = labellers(idPairs);
      for (const client of Object.keys(trace.clients)) {
        expect(clientTokens(observed, client, l.observed, opts), `client ${client}`).toEqual(
          clientTokens(trace.timeline, client, l.recorded, opts),
        );
      }
      expect(controlTokens(observed, l.observed, l.observedIds)).toEqual(
        controlTokens(trace.timeline, l.recorded, l.recordedIds),
      );
    },
  );
});
