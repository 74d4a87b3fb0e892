import { describe, expect, it } from "vitest";
import type { InputImage, InputSpool } from "../../src/queue/input-spool.js";

/** Opens a spool whose clock the test sets (the time a picture counts as kept). */
export type OpenInputSpool = (now: () => number) => Promise<InputSpool>;

const png: InputImage = {
  bytes: new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 1, 2]),
  contentType: "image/png",
};
const jpeg: InputImage = { bytes: new Uint8Array([255, 216, 255, 224, 7]), contentType: "image/jpeg" };
const webp: InputImage = { bytes: new Uint8Array([82, 73, 70, 70, 9]), contentType: "image/webp" };

/** What every `InputSpool` must do; run by `input-spool.test.ts` for each implementation. */
export function describeInputSpoolContract(name: string, open: OpenInputSpool): void {
  describe(`InputSpool contract: ${name}`, () => {
    it("gives back each kept picture byte for byte with its type, under its own reference", async () => {
      const spool = await open(() => 1_000);
      const refs = [
        await spool.keep("111", png),
        await spool.keep("111", jpeg),
        await spool.keep("222", webp),
      ];
      expect(new Set(refs).size).toBe(3);
      expect(await spool.load(refs[0]!)).toEqual(png);
      expect(await spool.load(refs[1]!)).toEqual(jpeg);
      expect(await spool.load(refs[2]!)).toEqual(webp);
    });

    it("has nothing for a reference it never gave, nor for one that is not a reference", async () => {
      const spool = await open(() => 1_000);
      const ref = await spool.keep("111", png);
      const unknown = ref.replace(/.$/, (last) => (last === "0" ? "1" : "0"));
      expect(await spool.load(unknown)).toBeUndefined();
      expect(await spool.load("../../etc/passwd")).toBeUndefined();
      expect(await spool.load("")).toBeUndefined();
    });

    it("forgets one member's pictures and keeps the others'", async () => {
      const spool = await open(() => 1_000);
      const mine = [await spool.keep("111", png), await spool.keep("111", jpeg)];
      const theirs = await spool.keep("222", webp);
      expect(await spool.forgetOwner("111")).toBe(2);
      for (const ref of mine) expect(await spool.load(ref)).toBeUndefined();
      expect(await spool.load(theirs)).toEqual(webp);
      expect(await spool.forgetOwner("111")).toBe(0);
    });

    it("prunes pictures kept before the cutoff, and only those", async () => {
      let now = 10_000;
      const spool = await open(() => now);
      const old = await spool.keep("111", png);
      now = 20_000;
      const recent = await spool.keep("111", jpeg);
      expect(await spool.pruneBefore(15_000)).toBe(1);
      expect(await spool.load(old)).toBeUndefined();
      expect(await spool.load(recent)).toEqual(jpeg);
    });

    it("hands out copies: changing what it gave back or was given changes nothing kept", async () => {
      const spool = await open(() => 1_000);
      const given: InputImage = { bytes: new Uint8Array([1, 2, 3]), contentType: "image/png" };
      const ref = await spool.keep("111", given);
      given.bytes[0] = 9;
      const loaded = await spool.load(ref);
      loaded!.bytes[1] = 9;
      expect((await spool.load(ref))!.bytes).toEqual(new Uint8Array([1, 2, 3]));
    });
  });
}
