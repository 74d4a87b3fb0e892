/**
 * Small named strings the bot keeps across restarts: each ComfyUI host's client id
 * (`comfy-client-id:<url>`, `comfy-last-client-id:<url>`) and the hash of the last slash-command
 * registration (`commands-hash:<guild id or "global">`). Implemented in `src/storage`; every
 * method rejects when the store failed.
 */
export interface MetaStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  /** Returns whether there was one. */
  delete(key: string): Promise<boolean>;
}
