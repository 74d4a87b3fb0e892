import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { outputsFolderName } from "../../src/storage/open-storage.js";
import { FileOutputSpool } from "../../src/storage/file-output-spool.js";
import { MemoryOutputSpool } from "../../src/storage/memory/memory-output-spool.js";
import { describeOutputSpoolContract } from "./output-spool.contract.js";
import { RedisStorages } from "./support/redis-storages.js";
import { bindReadOnly, canMount, isRoot, type Mounted } from "./support/mounts.js";
import { OpenedStorages, tempDataDir } from "./support/temp-storage.js";

const storages = new OpenedStorages();
afterEach(async () => storages.closeAll());

describeOutputSpoolContract("memory", async () => Promise.resolve(new MemoryOutputSpool()));
const redis = RedisStorages.forFile();
describeOutputSpoolContract("Redis", async () => (await redis.open()).spool);
describeOutputSpoolContract(
  "folder in DATA_DIR",
  async () => (await storages.open({ dataDir: tempDataDir() })).spool,
);

const png = {
  nodeId: "9",
  filename: "a.png",
  subfolder: "",
  type: "output",
  data: new Uint8Array([137, 80]),
};

describe("the output folder in DATA_DIR", () => {
  it("keeps files across a restart, next to the data file", async () => {
    const dataDir = tempDataDir();
    const first = await storages.open({ dataDir });
    await first.spool.keep("job-1", [png]);
    await storages.close(first);
    const second = await storages.open({ dataDir });
    expect(await second.spool.load("job-1")).toEqual([png]);
    expect(readdirSync(path.join(dataDir, outputsFolderName))).toEqual(["job-1"]);
  });

  it("removes what an interrupted write left behind when it opens, and never shows it as kept", async () => {
    const dir = path.join(tempDataDir(), "outputs");
    mkdirSync(path.join(dir, ".writing-crashed"), { recursive: true });
    writeFileSync(path.join(dir, ".writing-crashed", "0"), "half");
    const spool = await FileOutputSpool.open(dir);
    expect(existsSync(path.join(dir, ".writing-crashed"))).toBe(false);
    expect(await spool.load("crashed")).toBeUndefined();
  });

  it("says a set whose manifest is not JSON is damaged, rather than throwing a SyntaxError", async () => {
    const dir = path.join(tempDataDir(), "outputs");
    const spool = await FileOutputSpool.open(dir);
    await spool.keep("job-1", [png]);
    writeFileSync(path.join(dir, "job-1", "manifest.json"), "{ half");
    await expect(spool.load("job-1")).rejects.toMatchObject({ name: "StorageError", failure: "corrupt" });
  });

  it("answers 'nothing kept' when the set is discarded while it is read", async () => {
    const dir = path.join(tempDataDir(), "outputs");
    const spool = await FileOutputSpool.open(dir);
    await spool.keep("job-1", [png]);
    // The manifest was read; the files went before they were: what a discard racing a load leaves.
    rmSync(path.join(dir, "job-1", "0"));
    expect(await spool.load("job-1")).toBeUndefined();
  });

  it("refuses a job id that would leave its folder", async () => {
    const spool = await FileOutputSpool.open(path.join(tempDataDir(), "outputs"));
    await expect(spool.keep("../escape", [png])).rejects.toMatchObject({ name: "StorageError" });
    await expect(spool.load("a/b")).rejects.toMatchObject({ name: "StorageError" });
  });

  const readOnly = canMount() ? "a read-only bind mount" : isRoot ? undefined : "chmod 0500";
  it.skipIf(readOnly === undefined)(
    `rejects with a StorageError when the folder cannot be written (${readOnly})`,
    async () => {
      const dir = path.join(tempDataDir(), "outputs");
      const spool = await FileOutputSpool.open(dir);
      let mounted: Mounted | undefined;
      if (canMount()) mounted = bindReadOnly(dir);
      else chmodSync(dir, 0o500);
      try {
        await expect(spool.keep("job-1", [png])).rejects.toMatchObject({
          name: "StorageError",
          failure: "read_only",
        });
      } finally {
        if (mounted) mounted.unmount();
        else chmodSync(dir, 0o700);
      }
    },
  );
});
