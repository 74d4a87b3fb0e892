export interface EventuallyOptions {
  /** Give up after this long (real time). Default 5 000 ms. */
  timeoutMs?: number;
  /** Pause between checks. Default 5 ms. */
  intervalMs?: number;
}

/**
 * The tests' one polling helper: waits until `check` holds, then resolves.
 *
 * `check` is a predicate (`false` means "not yet") or an assertion (a throw means "not yet"); it may be
 * async. After `timeoutMs` it rejects with `timed out after N ms waiting for <what>`, plus the last
 * assertion error. `what` may be a function, to describe the state at the moment it gave up.
 *
 * Use it to wait for something that will happen. To show that something did *not* happen, move a fake
 * clock or await an event that shows the system is past the point where it would have (see
 * `fake-clock.ts`).
 */
export async function eventually(
  check: () => boolean | void | Promise<boolean | void>,
  what: string | (() => string),
  options: EventuallyOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const intervalMs = options.intervalMs ?? 5;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    let failure: unknown;
    try {
      if ((await check()) !== false) return;
    } catch (error) {
      failure = error;
    }
    if (performance.now() >= deadline) {
      const waitedFor = typeof what === "function" ? what() : what;
      const last = failure instanceof Error ? `; last failure: ${failure.message}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${waitedFor}${last}`, {
        ...(failure === undefined ? {} : { cause: failure }),
      });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
