/** ComfyUI API-format workflow: node id → `{class_type, inputs, _meta?}`. */
export type ApiPrompt = Record<
  string,
  {
    class_type: string;
    inputs: Record<string, unknown>;
    _meta?: { title?: string } & Record<string, unknown>;
  }
>;

/** The checkpoint a prompt loads (first `ckpt_name` input), for warm-backend routing. */
export function checkpointOf(prompt: ApiPrompt | undefined): string | undefined {
  for (const node of Object.values(prompt ?? {})) {
    const name = node.inputs.ckpt_name;
    if (typeof name === "string") return name;
  }
  return undefined;
}

/** Every distinct `class_type` of a prompt: what a backend must offer to run it. */
export function classTypesOf(prompt: ApiPrompt): string[] {
  return [...new Set(Object.values(prompt).map((node) => node.class_type))];
}

/** A prompt read back from `/queue` (index 2 of a queue item); trusted only as far as its shape. */
export function asApiPrompt(value: unknown): ApiPrompt | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const nodes = Object.values(value as Record<string, unknown>);
  const wellFormed = nodes.every(
    (node) =>
      typeof node === "object" &&
      node !== null &&
      typeof (node as { class_type?: unknown }).class_type === "string" &&
      typeof (node as { inputs?: unknown }).inputs === "object",
  );
  return wellFormed ? (value as ApiPrompt) : undefined;
}
