import { mkdtempSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { Store, StoreOpenError } from "../../src/store/store.js";

const jobSchema = z.object({ owner: z.string(), steps: z.int() });

function memoryLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: "debug" }, stream), lines };
}

const open: Store[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map(async (store) => store.close()));
});

const backends = {
  "SQLite file": () => ({ dataDir: mkdtempSync(path.join(tmpdir(), "comfycord-store-")) }),
  "in-memory Keyv": () => ({}),
};

describe.each(Object.entries(backends))("the store on %s", (_name, options) => {
  async function openStore() {
    const { logger, lines } = memoryLogger();
    const store = await Store.open({ ...options(), logger });
    open.push(store);
    return { store, lines };
  }

  it("round-trips typed records and deletes them", async () => {
    const { store } = await openStore();
    const jobs = store.collection("jobs", jobSchema);
    await jobs.set("a", { owner: "alice", steps: 20 });
    expect(await jobs.get("a")).toEqual({ owner: "alice", steps: 20 });
    expect(await jobs.has("a")).toBe(true);
    expect(await jobs.delete("a")).toBe(true);
    expect(await jobs.get("a")).toBeUndefined();
    expect(await jobs.delete("a")).toBe(false);
  });

  it("keeps namespaces apart, for reads, listing and clearing", async () => {
    const { store } = await openStore();
    const jobs = store.collection("jobs", jobSchema);
    const other = store.collection("jobs-archive", jobSchema);
    await jobs.set("x", { owner: "a", steps: 1 });
    await other.set("x", { owner: "b", steps: 2 });
    expect(await jobs.get("x")).toEqual({ owner: "a", steps: 1 });
    const listed = [];
    for await (const entry of other.entries()) listed.push(entry);
    expect(listed).toEqual([["x", { owner: "b", steps: 2 }]]);
    await jobs.clear();
    expect(await other.get("x")).toEqual({ owner: "b", steps: 2 });
  });

  it("lists more records than one page of the SQLite iterator", async () => {
    const { store } = await openStore();
    const jobs = store.collection("jobs", jobSchema);
    await Promise.all(
      Array.from({ length: 2500 }, async (_, i) => jobs.set(`j${i}`, { owner: "o", steps: i })),
    );
    let count = 0;
    let sum = 0;
    for await (const [, job] of jobs.entries()) {
      count++;
      sum += job.steps;
    }
    expect(count).toBe(2500);
    expect(sum).toBe((2499 * 2500) / 2);
  });

  it("logs and skips a record that no longer matches its schema", async () => {
    const { store, lines } = await openStore();
    const loose = store.collection("jobs", z.unknown());
    await loose.set("bad", { owner: 42 });
    await loose.set("good", { owner: "bob", steps: 3 });
    const jobs = store.collection("jobs", jobSchema);
    expect(await jobs.get("bad")).toBeUndefined();
    const listed = [];
    for await (const [id] of jobs.entries()) listed.push(id);
    expect(listed).toEqual(["good"]);
    expect(lines.some((line) => line.msg === "skipping a stored record that does not match its schema")).toBe(
      true,
    );
  });

  it("deletes many at once", async () => {
    const { store } = await openStore();
    const jobs = store.collection("jobs", jobSchema);
    await jobs.set("a", { owner: "a", steps: 1 });
    await jobs.set("b", { owner: "b", steps: 1 });
    await jobs.deleteMany(["a", "b"]);
    expect(await jobs.has("a")).toBe(false);
    expect(await jobs.has("b")).toBe(false);
  });
});

describe("the SQLite store", () => {
  it("keeps records across a close and reopen of the same file", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "comfycord-store-"));
    const { logger } = memoryLogger();
    const first = await Store.open({ dataDir, logger });
    await first.collection("settings", z.string()).set("guild:1", "kept");
    await first.close();
    const second = await Store.open({ dataDir, logger });
    open.push(second);
    expect(await second.collection("settings", z.string()).get("guild:1")).toBe("kept");
  });

  it("creates a missing data folder", async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), "comfycord-store-")), "nested", "data");
    const store = await Store.open({ dataDir, logger: memoryLogger().logger });
    open.push(store);
    expect(store.filePath).toBe(path.join(dataDir, "comfycord.sqlite"));
  });

  it("refuses a DATA_DIR that is a file, saying what to do", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "comfycord-store-")), "not-a-dir");
    writeFileSync(file, "x");
    await expect(Store.open({ dataDir: file, logger: memoryLogger().logger })).rejects.toThrow(
      StoreOpenError,
    );
    await expect(Store.open({ dataDir: file, logger: memoryLogger().logger })).rejects.toThrow(
      /DATA_DIR ".*not-a-dir" is not a writable folder/,
    );
  });

  it.skipIf(process.getuid?.() === 0)("refuses a DATA_DIR it cannot write", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "comfycord-store-"));
    chmodSync(dataDir, 0o500);
    await expect(Store.open({ dataDir, logger: memoryLogger().logger })).rejects.toThrow(StoreOpenError);
  });
});
