/** An append-only record that tests can wait on: `waitFor` checks what is there, then what arrives. */
export class Recorder<T> {
  readonly items: T[] = [];
  readonly #waiters = new Set<(item: T) => void>();

  push(item: T): void {
    this.items.push(item);
    for (const waiter of [...this.#waiters]) waiter(item);
  }

  waitFor(predicate: (item: T) => boolean, timeoutMs: number, what: string): Promise<T> {
    const found = this.items.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return waitUntil<T>(
      (resolve) => {
        const waiter = (item: T): void => {
          if (predicate(item)) resolve(item);
        };
        this.#waiters.add(waiter);
        return () => this.#waiters.delete(waiter);
      },
      timeoutMs,
      what,
    );
  }
}

/**
 * Resolves when `subscribe`'s callback fires, or rejects after `timeoutMs` naming `what` was awaited;
 * `subscribe` returns its own cleanup.
 */
export function waitUntil<T>(
  subscribe: (resolve: (value: T) => void) => () => void,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      unsubscribe();
      reject(new Error(`fake Discord: timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    // `subscribe` may resolve synchronously, before `unsubscribe` exists: defer that cleanup a tick.
    const unsubscribe = subscribe((value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      queueMicrotask(() => unsubscribe());
      resolve(value);
    });
  });
}
