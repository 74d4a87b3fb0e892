import { describe, expect, it } from "vitest";
import { KeyLock } from "../../src/concurrency/key-lock.js";

describe("KeyLock", () => {
  it("runs one key's tasks in call order and other keys beside them", async () => {
    const lock = new KeyLock();
    const order: string[] = [];
    let releaseFirst!: () => void;
    const first = lock.run("a", async () => {
      await new Promise<void>((resolve) => (releaseFirst = resolve));
      order.push("a1");
    });
    const second = lock.run("a", async () => {
      order.push("a2");
      return Promise.resolve(2);
    });
    await lock.run("b", async () => {
      order.push("b1");
      return Promise.resolve();
    });
    expect(order).toEqual(["b1"]);
    releaseFirst();
    await first;
    expect(await second).toBe(2);
    expect(order).toEqual(["b1", "a1", "a2"]);
    expect(lock.size).toBe(0);
  });

  it("drained() waits for every task queued so far, failed ones included", async () => {
    const lock = new KeyLock();
    let release!: () => void;
    const done: string[] = [];
    const slow = lock.run("job", async () => {
      await new Promise<void>((resolve) => (release = resolve));
      done.push("slow");
    });
    const failing = lock.run("job", async () => Promise.reject(new Error("store down")));
    let drained = false;
    const waiting = lock.drained("job").then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    release();
    await slow;
    await expect(failing).rejects.toThrow("store down");
    await waiting;
    expect(done).toEqual(["slow"]);
    await lock.drained("never-used");
  });
});
