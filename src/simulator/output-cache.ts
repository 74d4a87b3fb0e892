import type { NodeResult } from "./node-behaviours.js";

/**
 * ComfyUI's default ("classic") output cache: results keyed by input signature, and before each prompt
 * every entry the new prompt does not use is dropped. So only what the previous prompt computed can hit.
 */
export class OutputCache {
  private readonly entries = new Map<string, NodeResult>();

  retainOnly(signatures: ReadonlySet<string>): void {
    for (const key of [...this.entries.keys()]) if (!signatures.has(key)) this.entries.delete(key);
  }

  get(signature: string): NodeResult | undefined {
    return this.entries.get(signature);
  }

  set(signature: string, result: NodeResult): void {
    this.entries.set(signature, result);
  }

  clear(): void {
    this.entries.clear();
  }
}
