import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runForgetCommand } from "../../src/cli/forget-command.js";
import { ResultIndex } from "../../src/history/result-index.js";
import { QueueStore } from "../../src/queue/queue-store.js";
import { Store } from "../../src/store/store.js";
import { idsIn, job, result, silent } from "./records.js";

const alice = "111111111111111111";
const bob = "222222222222222222";
const open: Store[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map(async (store) => store.close()));
});

/** A project folder with no config file (defaults apply) and DATA_DIR relative to it. */
function project() {
  const cwd = mkdtempSync(path.join(tmpdir(), "comfycord-forget-"));
  const out: string[] = [];
  const err: string[] = [];
  const context = {
    env: { DATA_DIR: "state" },
    cwd,
    io: { print: (line: string) => out.push(line), printError: (line: string) => err.push(line) },
  };
  return { out, err, context, dataDir: path.join(cwd, "state") };
}

describe("npm run forget", () => {
  it("deletes one user's records from the file another process has open, and warns about unfinished jobs", async () => {
    const { context, out, err, dataDir } = project();
    const store = await Store.open({ dataDir, logger: silent });
    open.push(store);
    const records = new QueueStore(store, { retentionMs: 86_400_000 });
    const results = new ResultIndex(store);
    for (const userId of [alice, bob]) {
      await records.save(job({ id: `${userId}-waiting`, userId, state: "queued", at: Date.now() }));
      await records.history.set(
        `${userId}-done`,
        job({ id: `${userId}-done`, userId, state: "succeeded", at: Date.now() }),
      );
      await results.record(result({ messageId: `m${userId}`, userId, createdAt: Date.now() }));
      await records.rateLimits.set(userId, { hits: [Date.now()] });
    }

    expect(await runForgetCommand({ ...context, argv: [alice] })).toBe(0);
    expect(err).toEqual([]);
    expect(out[0]).toBe(
      `Deleted for ${alice}: 2 job records (1 unfinished), 1 result links, 1 rate-limit records.`,
    );
    expect(out[1]).toMatch(/^Warning: some jobs were still waiting or running/);
    expect(await idsIn(store, "jobs")).toEqual([`${bob}-waiting`]);
    expect(await idsIn(store, "job-history")).toEqual([`${bob}-done`]);
    expect(await idsIn(store, "results")).toEqual([`m${bob}`]);
    expect(await idsIn(store, "rate-limits")).toEqual([bob]);
  });

  it("refuses anything but a user id, and a DATA_DIR without a database", async () => {
    const { context, err } = project();
    expect(await runForgetCommand({ ...context, argv: ["alice"] })).toBe(2);
    expect(err[0]).toMatch(/expected a Discord user id/);
    expect(await runForgetCommand({ ...context, argv: [alice] })).toBe(1);
    expect(err[1]).toMatch(/no database at/);
  });
});
