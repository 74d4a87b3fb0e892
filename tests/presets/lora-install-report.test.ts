import { describe, expect, it } from "vitest";
import type { ObjectInfo } from "../../src/comfy/object-info.js";
import { LoraInstallReport } from "../../src/presets/lora-install-report.js";
import { memoryLogger, stockObjectInfo } from "../workflows/test-support.js";

function withLoras(info: ObjectInfo, files: string[]): ObjectInfo {
  const copy = structuredClone(info);
  copy["LoraLoader"]!.input.required!["lora_name"] = [files, {}];
  return copy;
}

describe("LoraInstallReport", () => {
  it("reports a LoRA no connected host has once, and once more when a host has it again", async () => {
    const stock = await stockObjectInfo();
    const { logger, lines } = memoryLogger();
    const report = new LoraInstallReport(
      [
        { name: "detail", file: "add_detail.safetensors", strength: 1 },
        { name: "ink", file: "ink.safetensors", strength: 1 },
      ],
      logger,
    );
    report.check("gpu-1", withLoras(stock, ["add_detail.safetensors"]));
    // The same host reconnecting says nothing new.
    report.check("gpu-1", withLoras(stock, ["add_detail.safetensors"]));
    // A second host with the file: no longer missing anywhere.
    report.check("gpu-2", withLoras(stock, ["ink.safetensors"]));
    expect(lines.map((line) => [line["level"], line["lora"], line["msg"]])).toEqual([
      [
        50,
        "ink",
        'LoRA "ink": "ink.safetensors" is not installed on the ComfyUI host, so members who pick it are refused; put the file in ComfyUI\'s models/loras folder, or fix loras[].file (it must match the name ComfyUI lists, subfolder included)',
      ],
      [30, "ink", 'LoRA "ink" is installed on a host again'],
    ]);
  });
});
