import { describe, expect, it } from "vitest";
import type { RunOutputFile } from "../../src/queue/dispatcher.js";
import type { OutputSpool } from "../../src/queue/output-spool.js";

export type OpenOutputSpool = () => Promise<OutputSpool>;

function file(filename: string, bytes: number[], contentType = "image/png"): RunOutputFile {
  return {
    nodeId: "9",
    filename,
    subfolder: "comfycord",
    type: "output",
    contentType,
    data: new Uint8Array(bytes),
  };
}

/** What every `OutputSpool` must do; run by `output-spool.test.ts` for each implementation. */
export function describeOutputSpoolContract(name: string, open: OpenOutputSpool): void {
  describe(`OutputSpool contract: ${name}`, () => {
    it("gives back the kept files byte for byte, with their names and types, in order", async () => {
      const spool = await open();
      const files = [
        file("a.png", [137, 80, 78, 71, 0, 255]),
        file("b.webp", [82, 73, 70, 70], "image/webp"),
      ];
      await spool.keep("job-1", files);
      expect(await spool.load("job-1")).toEqual(files);
    });

    it("has nothing for a job it never kept, and nothing once it is discarded", async () => {
      const spool = await open();
      expect(await spool.load("job-unknown")).toBeUndefined();
      await spool.keep("job-2", [file("c.png", [1, 2, 3])]);
      await spool.discard("job-2");
      expect(await spool.load("job-2")).toBeUndefined();
      await expect(spool.discard("job-2")).resolves.toBeUndefined();
    });

    it("replaces what it kept for a job, and keeps jobs apart", async () => {
      const spool = await open();
      await spool.keep("job-3", [file("old.png", [1]), file("old2.png", [2])]);
      await spool.keep("job-4", [file("other.png", [4])]);
      await spool.keep("job-3", [file("new.png", [3])]);
      expect((await spool.load("job-3"))?.map((kept) => kept.filename)).toEqual(["new.png"]);
      expect((await spool.load("job-4"))?.map((kept) => kept.filename)).toEqual(["other.png"]);
    });

    it("hands out copies: changing what it gave back changes nothing kept", async () => {
      const spool = await open();
      await spool.keep("job-5", [file("d.png", [5, 5])]);
      const loaded = await spool.load("job-5");
      loaded![0]!.data[0] = 9;
      expect((await spool.load("job-5"))![0]!.data).toEqual(new Uint8Array([5, 5]));
    });
  });
}
