import { describe, expect, it } from "vitest";
import { ComfyError } from "../../src/comfy/comfy-error.js";

function executionError(exceptionType: string, exceptionMessage: string): ComfyError {
  return new ComfyError("comfy_execution", "node failed", {
    execution: { nodeId: "3", nodeType: "KSampler", exceptionType, exceptionMessage, traceback: [] },
  });
}

describe("ComfyError", () => {
  it("recognises torch and CUDA out-of-memory failures, and only those", () => {
    expect(
      executionError("torch.OutOfMemoryError", "CUDA out of memory. Tried to allocate 2.00 GiB")
        .isOutOfMemory,
    ).toBe(true);
    expect(executionError("RuntimeError", "CUDA error: out of memory").isOutOfMemory).toBe(true);
    expect(executionError("ValueError", "bad seed").isOutOfMemory).toBe(false);
    expect(new ComfyError("comfy_lost", "gone").isOutOfMemory).toBe(false);
  });

  it("counts host trouble as a backend fault but not the user's graph or an overall deadline", () => {
    expect(new ComfyError("comfy_unreachable", "down").isBackendFault).toBe(true);
    expect(new ComfyError("comfy_lost", "restart").isBackendFault).toBe(true);
    expect(new ComfyError("comfy_timeout", "stuck", { timeout: "node_inactivity" }).isBackendFault).toBe(
      true,
    );
    expect(new ComfyError("comfy_timeout", "slow", { timeout: "overall" }).isBackendFault).toBe(false);
    expect(new ComfyError("comfy_validation", "bad graph").isBackendFault).toBe(false);
    expect(executionError("ValueError", "bad seed").isBackendFault).toBe(false);
    expect(executionError("torch.OutOfMemoryError", "CUDA out of memory").isBackendFault).toBe(true);
  });

  it("keeps its cause and data when tagged with a backend and prompt", () => {
    const cause = new Error("ECONNRESET");
    const tagged = new ComfyError("comfy_unreachable", "reset", { cause, status: 502 }).withContext({
      backendId: "gpu-1",
      promptId: "p",
    });
    expect(tagged).toMatchObject({
      code: "comfy_unreachable",
      backendId: "gpu-1",
      promptId: "p",
      status: 502,
    });
    expect(tagged.cause).toBe(cause);
    expect(tagged.name).toBe("ComfyError");
  });
});
