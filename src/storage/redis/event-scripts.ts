import { jobFunctionsLua } from "./job-scripts.js";
import { LuaScript } from "./lua-script.js";

/**
 * ARGV: prefix, fence key ('' for none), fence, expected revision, announcement ('' for none), run
 * to stop ('' for none), then the job fields (`jobArguments`).
 *
 * A compare-and-set of one job by any bot process sharing the store: written only when the stored
 * revision is still the one the writer read (and, for the conductor, its fence is still the
 * lease's latest), with its entry on the event stream. A cancelled run's prompt is queued in
 * `P runs:to-stop` for whoever conducts now or next. Replies {"ok", rev, entry id} |
 * {"fenced", latest fence} | {"missing"} | {"changed", stored json, stored rev}.
 */
export const commitJobScript = new LuaScript(
  "commit-job",
  `${jobFunctionsLua}
local P = ARGV[1]
if ARGV[2] ~= '' then
  local latest = tonumber(redis.call('GET', ARGV[2]) or '0')
  if tonumber(ARGV[3]) ~= latest then return { 'fenced', latest } end
end
local j = job_from_argv(7)
local stored = redis.call('HMGET', P .. 'job:' .. j.id, 'json', 'rev')
if not stored[1] then return { 'missing' } end
local rev = tonumber(stored[2] or '0')
if rev ~= tonumber(ARGV[4]) then return { 'changed', stored[1], rev } end
local next_rev = write_job(P, j)
local id = publish_job(P, j, next_rev, ARGV[5])
if ARGV[6] ~= '' then redis.call('RPUSH', P .. 'runs:to-stop', ARGV[6]) end
return { 'ok', next_rev, id }`,
);

/**
 * ARGV: prefix. Every open job with its revision, and where the event stream stands, read in one
 * step: a reader that loads these and then reads the stream after that entry sees every later
 * change exactly once. Replies {last entry id, last n, id, json, rev, id, json, rev, …}.
 */
export const openSnapshotScript = new LuaScript(
  "open-jobs-snapshot",
  `local P = ARGV[1]
local last = redis.call('XREVRANGE', P .. 'events', '+', '-', 'COUNT', 1)
local reply = { last[1] and last[1][1] or '0-0', redis.call('GET', P .. 'events:n') or '0' }
for _, id in ipairs(redis.call('ZRANGE', P .. 'jobs:open', 0, -1)) do
  local stored = redis.call('HMGET', P .. 'job:' .. id, 'json', 'rev')
  if stored[1] then
    table.insert(reply, id)
    table.insert(reply, stored[1])
    table.insert(reply, stored[2] or '0')
  end
end
return reply`,
);

/** ARGV: prefix, then field, value, … An entry that changes no stored job (progress, a release). */
export const publishEventScript = new LuaScript(
  "publish-event",
  `${jobFunctionsLua}
local fields = {}
for i = 2, #ARGV do table.insert(fields, ARGV[i]) end
return publish_event(ARGV[1], fields)`,
);

/** ARGV: prefix. Takes every run waiting to be stopped (JSON each), oldest first. */
export const takeRunsToStopScript = new LuaScript(
  "take-runs-to-stop",
  `local key = ARGV[1] .. 'runs:to-stop'
local runs = redis.call('LRANGE', key, 0, -1)
redis.call('DEL', key)
return runs`,
);
