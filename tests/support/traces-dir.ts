import path from "node:path";

/**
 * The recorded ComfyUI 0.3.64 traces, kept in the project's fixtures (see its README.md), so every
 * clone runs the suites that read them.
 */
export const tracesDir = path.resolve(import.meta.dirname, "../fixtures/comfy-traces");
