import { loraNames, type ObjectInfo } from "../../comfy/object-info.js";
import type { PresetWarning } from "../../presets/check-presets.js";
import { loraMissingText } from "../../presets/lora-hosts.js";
import type { LoraConfig } from "../../presets/presets.js";
import type { DoctorReport } from "./doctor-report.js";

/** Styles and LoRAs that work, but not as meant (`checkPresets`): each is a ⚠. */
export function checkPresetWarnings(warnings: readonly PresetWarning[], report: DoctorReport): void {
  for (const { message, fix } of warnings) report.warn(message, fix);
}

/**
 * Each allow-listed LoRA against every reachable host: on all of them ✓, on some ⚠ (jobs with it
 * run on the others only), on none ✗ (members who pick it are refused).
 */
export function checkLorasOnHosts(
  loras: readonly LoraConfig[],
  hosts: readonly { label: string; info: ObjectInfo }[],
  report: DoctorReport,
): void {
  if (loras.length === 0) return;
  if (hosts.length === 0) {
    report.skip("LoRAs on the ComfyUI hosts", "no host is reachable");
    return;
  }
  for (const lora of loras) {
    const lacking = hosts.filter((host) => !loraNames(host.info).includes(lora.file));
    const subject = `LoRA ${lora.name} (${lora.file})`;
    if (lacking.length === 0) report.ok(`${subject} is on every host`);
    else if (lacking.length === hosts.length) {
      report.fail(`${subject} is on no host`, loraMissingText(lora, hosts.length));
    } else {
      report.warn(
        `${subject} is not on ${lacking.map((host) => host.label).join(", ")}`,
        "put the file in models/loras there; until then jobs with it run on the other hosts only",
      );
    }
  }
}
