import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FileInputSpool } from "../../src/storage/file-input-spool.js";
import { MemoryInputSpool } from "../../src/storage/memory/memory-input-spool.js";
import { inputsFolderName } from "../../src/storage/open-storage.js";
import { describeInputSpoolContract } from "./input-spool.contract.js";
import { RedisStorages } from "./support/redis-storages.js";
import { OpenedStorages, tempDataDir } from "./support/temp-storage.js";

const storages = new OpenedStorages();
afterEach(async () => storages.closeAll());

describeInputSpoolContract("memory", async (now) => Promise.resolve(new MemoryInputSpool(now)));
const redis = RedisStorages.forFile();
describeInputSpoolContract("Redis", async (now) => (await redis.open({ now })).inputs);
describeInputSpoolContract("folder in DATA_DIR", async (now) =>
  FileInputSpool.open(path.join(tempDataDir(), "inputs"), { now }),
);

const picture = { bytes: new Uint8Array([255, 216, 255, 224]), contentType: "image/jpeg" as const };

describe("the input folder in DATA_DIR", () => {
  it("keeps pictures across a restart, in a folder per member beside the data file", async () => {
    const dataDir = tempDataDir();
    const first = await storages.open({ dataDir });
    const ref = await first.inputs.keep("123456789012345678", picture);
    await storages.close(first);
    const second = await storages.open({ dataDir });
    expect(await second.inputs.load(ref)).toEqual(picture);
    expect(readdirSync(path.join(dataDir, inputsFolderName))).toEqual(["123456789012345678"]);
  });

  it("removes what an interrupted write left behind when it opens", async () => {
    const dir = path.join(tempDataDir(), "inputs");
    mkdirSync(path.join(dir, "111"), { recursive: true });
    writeFileSync(path.join(dir, "111", ".writing-crashed"), "half");
    await FileInputSpool.open(dir);
    expect(existsSync(path.join(dir, "111", ".writing-crashed"))).toBe(false);
  });

  it("refuses an owner id that would leave its folder", async () => {
    const spool = await FileInputSpool.open(path.join(tempDataDir(), "inputs"));
    await expect(spool.keep("../escape", picture)).rejects.toThrow(TypeError);
    expect(await spool.forgetOwner("..")).toBe(0);
  });
});
