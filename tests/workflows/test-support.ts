import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { pino, type Logger } from "pino";
import { objectInfoSchema, type ObjectInfo } from "../../src/comfy/object-info.js";
import type { WorkflowConfig } from "../../src/config/schema.js";
import type { ApiPrompt } from "../../src/workflows/api-prompt.js";
import { loadWorkflowFile } from "../../src/workflows/load-workflow-file.js";
import type { WorkflowTemplate } from "../../src/workflows/workflow-template.js";

export const configDir = fileURLToPath(new URL("../../config/", import.meta.url));
export const fixturesDir = fileURLToPath(new URL("../fixtures/workflows/", import.meta.url));

/** A pino logger writing JSON lines into an array, so tests can read what was logged. */
export function memoryLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim() !== "") lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: pino({ level: "debug" }, stream), lines };
}

/**
 * Stock nodes trimmed from the real ComfyUI 0.3.64 `/object_info`
 * (tests/fixtures/comfy-traces/object_info_full.raw.json), with two checkpoints and one LoRA filled in.
 */
export async function stockObjectInfo(): Promise<ObjectInfo> {
  const raw: unknown = JSON.parse(await readFile(join(fixturesDir, "object-info.json"), "utf8"));
  return objectInfoSchema.parse(raw);
}

export async function shippedGraph(name: "sd15" | "sdxl"): Promise<ApiPrompt> {
  return JSON.parse(await readFile(join(configDir, "workflows", `${name}.json`), "utf8"));
}

/** Writes `content` (an object is written as JSON) to a fresh temp folder; returns that folder. */
export async function tempWorkflow(content: unknown, fileName = "workflow.json"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "comfycord-workflows-"));
  await writeFile(join(dir, fileName), typeof content === "string" ? content : JSON.stringify(content));
  return dir;
}

/** Loads a config that must succeed, failing the test with the problems otherwise. */
export async function loadOk(
  config: WorkflowConfig,
  dir: string,
  logger = memoryLogger().logger,
): Promise<WorkflowTemplate> {
  const loaded = await loadWorkflowFile(config, dir, logger);
  if (!loaded.ok) throw new Error(loaded.problems.map((problem) => problem.message).join("\n"));
  return loaded.template;
}
