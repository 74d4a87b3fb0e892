import { request } from "undici";

export type DownloadOutcome =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; problem: "too_large"; limit: number }
  | { ok: false; problem: "failed"; detail: string };

export interface DownloadOptions {
  /** Bytes read at most: a bigger file is refused without reading the rest. */
  maxBytes: number;
  /** Whole download, connection included. */
  timeoutMs?: number;
}

/**
 * Fetches a picture with a size cap: a `content-length` over the cap is refused before the body
 * is read, and a body that grows past it (no or a false length) is cut off there. Never throws
 * for what the server or the network did; the outcome says it.
 */
export async function downloadImage(url: string, options: DownloadOptions): Promise<DownloadOutcome> {
  const signal = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  try {
    const response = await request(url, { method: "GET", signal });
    if (response.statusCode !== 200) {
      await response.body.dump();
      return { ok: false, problem: "failed", detail: `the server answered ${response.statusCode}` };
    }
    const declared = Number(response.headers["content-length"]);
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      await response.body.dump({ limit: 0 }).catch(() => undefined);
      return { ok: false, problem: "too_large", limit: options.maxBytes };
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of response.body) {
      total += (chunk as Buffer).length;
      if (total > options.maxBytes) {
        response.body.destroy();
        return { ok: false, problem: "too_large", limit: options.maxBytes };
      }
      chunks.push(chunk as Buffer);
    }
    return { ok: true, bytes: new Uint8Array(Buffer.concat(chunks, total)) };
  } catch (error) {
    return { ok: false, problem: "failed", detail: (error as Error).message };
  }
}
