import type { Readable } from "node:stream";

export interface CappedRead {
  /** What was read, at most `maxBytes`: all of it, or the start when `overflow`. */
  bytes: Buffer;
  /** The body was longer than `maxBytes`: reading stopped there and the stream was destroyed. */
  overflow: boolean;
}

/**
 * Reads a response body into memory, but never more than `maxBytes`: past that the stream is
 * destroyed (undici then drops the connection) instead of buffering whatever a broken or hostile
 * server keeps sending. `onChunk` sees every chunk's size first and may throw to stop too (a
 * budget shared by several downloads); the stream is destroyed then as well.
 */
export async function readCapped(
  body: Readable,
  maxBytes: number,
  onChunk?: (bytes: number) => void,
): Promise<CappedRead> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      onChunk?.(buffer.length);
      if (total + buffer.length > maxBytes) {
        body.destroy();
        return { bytes: Buffer.concat(chunks, total), overflow: true };
      }
      total += buffer.length;
      chunks.push(buffer);
    }
  } catch (error) {
    body.destroy();
    throw error;
  }
  return { bytes: Buffer.concat(chunks, total), overflow: false };
}
