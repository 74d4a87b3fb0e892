/**
 * Turns a trace timeline (recorded from the real ComfyUI, or observed against the simulator in the same
 * shape) into comparable tokens: one list per WS client and one for HTTP and driver actions. Volatile
 * values (prompt ids, timestamps, queue numbers, temp-file letters) are replaced by stable labels.
 */

export interface TimelineEntry {
  source: string;
  kind?: string;
  seq: number;
  t_ms: number;
  url?: string;
  code?: number;
  message?: { type: string; data: Record<string, unknown> };
  u32be_0_event_type?: number;
  u32be_1?: number;
  metadata?: Record<string, unknown>;
  request?: {
    method: string;
    path: string;
    body?: unknown;
    body_raw?: string;
    body_multipart?: Record<string, string>;
  };
  response?: {
    status: number;
    content_type?: string;
    body?: unknown;
    body_text?: string;
    body_omitted?: string;
  };
  request_started_t_ms?: number;
  action?: string;
  result?: string;
}

/** Maps concrete prompt ids to labels shared by the recorded and the observed side (P1, P2, ...). */
export type Labeller = (id: string) => string;

export interface NormaliseOptions {
  /**
   * Merge each run of per-step frames (progress, running progress_state, previews) into one `~steps`
   * token: used where the number of steps seen depends on timing (interrupts, reconnects).
   */
  collapseSteps: boolean;
}

const tempName = /ComfyUI_temp_[a-z]{5}_/g;
// The real output folder kept files from earlier recordings, so its counters did not start at 1.
const fileCounter = /_\d{5}_\.png/g;
// Free memory changes from one call to the next on a real machine.
const volatileKeys = new Set(["step_ms", "argv", "ram_free", "vram_free", "torch_vram_free"]);

function labelText(text: string, label: Labeller, ids: readonly string[]): string {
  let out = text;
  for (const id of ids) out = out.replaceAll(id, label(id));
  return out.replace(tempName, "ComfyUI_temp_*_").replace(fileCounter, "_#####_.png");
}

/** Deep copy with ids labelled and volatile fields blanked. */
export function normaliseBody(value: unknown, label: Labeller, ids: readonly string[]): unknown {
  if (typeof value === "string") return labelText(value, label, ids);
  if (Array.isArray(value)) {
    const items = value.map((v) => normaliseBody(v, label, ids));
    // Queue and history tuples: [number, prompt_id, prompt, extra_data, outputs_to_execute].
    if (items.length === 5 && typeof value[0] === "number" && typeof value[1] === "string") items[0] = "#";
    return items;
  }
  if (typeof value !== "object" || value === null) return value;
  const record = value as Record<string, unknown>;
  const runtimeError = "exception_message" in record && "node_type" in record;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort()) {
    if (volatileKeys.has(key)) continue;
    // Our tracebacks and tensor reprs are stand-ins; the rest of an execution_error is compared.
    if (runtimeError && (key === "traceback" || key === "current_inputs" || key === "current_outputs"))
      continue;
    const v = record[key];
    out[labelText(key, label, ids)] =
      key === "timestamp"
        ? "T"
        : key === "number" && typeof v === "number"
          ? "#"
          : normaliseBody(v, label, ids);
  }
  return out;
}

function progressEntries(data: Record<string, unknown>): { text: string; stepping: boolean } {
  const nodes = (data["nodes"] ?? {}) as Record<string, { state: string; value: number; max: number }>;
  const ids = Object.keys(nodes).sort();
  const stepping = ids.some((id) => nodes[id]?.state === "running" && (nodes[id]?.value ?? 0) > 0);
  return {
    text: ids.map((id) => `${id}:${nodes[id]?.state}:${nodes[id]?.value}/${nodes[id]?.max}`).join(","),
    stepping,
  };
}

/** One WS entry as a token; tokens starting with `~` are per-step frames. */
export function frameToken(entry: TimelineEntry, label: Labeller): string | undefined {
  if (entry.kind === "close") return `close ${entry.code}`;
  if (entry.kind === "binary") {
    if (entry.u32be_0_event_type === 4) {
      const meta = { ...(entry.metadata ?? {}) };
      if (typeof meta["prompt_id"] === "string") meta["prompt_id"] = label(meta["prompt_id"]);
      return `~binary 4 ${JSON.stringify(meta)}`;
    }
    return `~binary ${entry.u32be_0_event_type} format=${entry.u32be_1}`;
  }
  if (entry.kind !== "text" || entry.message === undefined) return undefined;
  const { type, data } = entry.message;
  const pid = typeof data["prompt_id"] === "string" ? label(data["prompt_id"]) : "(no prompt_id)";
  switch (type) {
    case "status": {
      const q = (data["status"] as { exec_info: { queue_remaining: number } }).exec_info.queue_remaining;
      return `status q=${q}${"sid" in data ? " +sid" : ""}`;
    }
    case "feature_flags":
      return `feature_flags ${JSON.stringify(data)}`;
    case "execution_start":
    case "execution_success":
      return `${type} ${pid}`;
    case "execution_cached":
      return `execution_cached ${pid} ${JSON.stringify(data["nodes"])}`;
    case "executing":
      return `executing ${JSON.stringify(data["node"])} ${pid}${"display_node" in data ? "" : " (no display_node)"}`;
    case "executed": {
      const images = ((data["output"] as { images?: Array<Record<string, string>> }).images ?? []).map(
        (i) =>
          `${i["type"]}/${i["subfolder"]}/${(i["filename"] ?? "").replace(tempName, "ComfyUI_temp_*_").replace(fileCounter, "_#####_.png")}`,
      );
      return `executed ${String(data["node"])} ${pid} ${images.join(" ")}`;
    }
    case "progress":
      return `~progress ${String(data["value"])}/${String(data["max"])} node=${String(data["node"])} ${pid}`;
    case "progress_state": {
      const { text, stepping } = progressEntries(data);
      return `${stepping ? "~" : ""}progress_state ${pid} ${text}`;
    }
    case "execution_error":
      return `execution_error ${pid} node=${String(data["node_id"])} ${String(data["node_type"])} ${String(
        data["exception_type"],
      )} ${JSON.stringify(data["exception_message"])} executed=${JSON.stringify(data["executed"])}`;
    case "execution_interrupted":
      return `execution_interrupted ${pid} node=${String(data["node_id"])} ${String(data["node_type"])} executed=${JSON.stringify(
        data["executed"],
      )}`;
    default:
      return type;
  }
}

function collapse(tokens: string[]): string[] {
  const out: string[] = [];
  for (const token of tokens) {
    if (!token.startsWith("~")) out.push(token);
    else if (out.at(-1) !== "~steps") out.push("~steps");
  }
  return out;
}

/** Per-client WS tokens for the entries in `entries` (already filtered to a prefix if needed). */
export function clientTokens(
  entries: readonly TimelineEntry[],
  client: string,
  label: Labeller,
  options: NormaliseOptions,
): string[] {
  const tokens = entries
    .filter((e) => e.source === `ws:${client}`)
    .map((e) => frameToken(e, label))
    .filter((t): t is string => t !== undefined);
  return options.collapseSteps ? collapse(tokens) : tokens;
}

/** HTTP exchanges and driver actions, in order. */
export function controlTokens(
  entries: readonly TimelineEntry[],
  label: Labeller,
  ids: readonly string[],
): string[] {
  const tokens: string[] = [];
  for (const e of entries) {
    if (e.source === "driver" && e.action?.startsWith("probe")) tokens.push(`${e.action} -> ${e.result}`);
    if (e.source === "driver" && e.action?.startsWith("kill")) tokens.push("kill");
    if (e.source === "launcher" && e.action === "restart") tokens.push("restart");
    if (e.source !== "http" || e.request === undefined || e.response === undefined) continue;
    const { method, path } = e.request;
    const { status, content_type: ct = "" } = e.response;
    const body =
      e.response.body !== undefined && e.response.body !== null
        ? JSON.stringify(normaliseBody(e.response.body, label, ids))
        : e.response.body_text !== undefined
          ? JSON.stringify(e.response.body_text)
          : "(body not compared)";
    tokens.push(`${method} ${labelText(path, label, ids)} -> ${status} ${ct.split(";")[0]} ${body}`);
  }
  return tokens;
}
