import { jobSchema, type Job } from "../../queue/job.js";
import { jobArguments } from "./job-indexes.js";
import { jobFunctionsLua } from "./job-scripts.js";
import { LuaScript, replyFields } from "./lua-script.js";
import type { RedisConnection } from "./redis-connection.js";

/**
 * ARGV: prefix, fence key, fence, job fields. Writes the job (with its indexes, as `save` does)
 * only when `fence` is the latest one the lease granted; replies {"ok"} or {"stale", latest}.
 */
const fencedSaveScript = new LuaScript(
  "fenced-save-job",
  `${jobFunctionsLua}
local latest = tonumber(redis.call('GET', ARGV[2]) or '0')
if tonumber(ARGV[3]) ~= latest then return { 'stale', latest } end
write_job(ARGV[1], job_from_argv(4))
return { 'ok' }`,
);

export type FencedWrite = { written: true } | { written: false; latestFence: number };

/**
 * Job writes for phase 2's conductor, checked against the lease's fence inside Redis: once
 * another process took the lease (and so a larger fence), a write carrying the old fence is
 * refused, however late it arrives (a conductor that stalled past its TTL cannot overwrite what
 * its successor decided). A write whose fence is still the latest lands even if the TTL ran out
 * meanwhile: nobody newer has read or written anything yet, and whoever takes the lease next
 * reads the store after taking it.
 */
export class FencedJobWriter {
  readonly #redis: RedisConnection;
  readonly #leaseName: string;

  constructor(redis: RedisConnection, leaseName: string) {
    this.#redis = redis;
    this.#leaseName = leaseName;
  }

  async save(job: Job, fence: number): Promise<FencedWrite> {
    const args = jobArguments(jobSchema.parse(job));
    const { keys } = this.#redis;
    const reply = await this.#redis.run(`fenced write of job ${job.id}`, async (client) =>
      fencedSaveScript.run(client, [keys.prefix, keys.leaseFence(this.#leaseName), fence, ...args]),
    );
    const [status, latest] = replyFields(reply);
    return status === "ok" ? { written: true } : { written: false, latestFence: Number(latest) };
  }
}
