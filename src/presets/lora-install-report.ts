import type { Logger } from "pino";
import type { ObjectInfo } from "../comfy/object-info.js";
import { loraMissingText, lorasMissingOn } from "./lora-hosts.js";
import type { LoraConfig } from "./presets.js";

/**
 * Reports, as hosts (re)connect and send their `/object_info`, each allow-listed LoRA that no
 * connected host has: once when it goes missing, and once when a host has it again, so a host
 * reconnecting every minute does not repeat the same error.
 */
export class LoraInstallReport {
  readonly #loras: readonly LoraConfig[];
  readonly #logger: Logger;
  readonly #infos = new Map<string, ObjectInfo>();
  #missing = new Set<string>();

  constructor(loras: readonly LoraConfig[], logger: Logger) {
    this.#loras = loras;
    this.#logger = logger;
  }

  check(backendId: string, info: ObjectInfo): void {
    if (this.#loras.length === 0) return;
    this.#infos.set(backendId, info);
    const missing = lorasMissingOn(this.#loras, [...this.#infos.values()]);
    const names = new Set(missing.map((lora) => lora.name));
    for (const lora of missing) {
      if (!this.#missing.has(lora.name)) {
        this.#logger.error({ lora: lora.name, file: lora.file }, loraMissingText(lora, this.#infos.size));
      }
    }
    for (const name of this.#missing) {
      if (!names.has(name)) this.#logger.info({ lora: name }, `LoRA "${name}" is installed on a host again`);
    }
    this.#missing = names;
  }
}
