import { eventFunctionsLua } from "./event-functions.js";
import { LuaScript } from "./lua-script.js";

/**
 * The Lua that keeps a job's hash and its indexes (see `redis-keys.ts`) in step: every write of a
 * job goes through `write_job`, every delete through `delete_job`, inside one script, so no
 * reader ever sees a job in the wrong index. Which indexes a job belongs in is decided in
 * TypeScript (`jobIndexes`) and passed in as flags.
 *
 * Shared by the job store's scripts and by the admission and fenced-write scripts.
 */
export const jobFunctionsLua = `
local function unindex_job(P, id)
  local old = redis.call('HMGET', P .. 'job:' .. id, 'user', 'guild')
  if old[1] then redis.call('SREM', P .. 'jobs:open:user:' .. old[1], id) end
  if old[2] then redis.call('SREM', P .. 'jobs:waiting:guild:' .. old[2], id) end
  redis.call('ZREM', P .. 'jobs:open', id)
  redis.call('ZREM', P .. 'jobs:finished', id)
  redis.call('SREM', P .. 'jobs:waiting', id)
  return old[1]
end

-- j: id, json, seq, user, guild, state, open, waiting, finishedAt ('' when not closed), unfinished
local function write_job(P, j)
  local previous_user = unindex_job(P, j.id)
  if previous_user and previous_user ~= j.user then
    redis.call('SREM', P .. 'jobs:user:' .. previous_user, j.id)
  end
  redis.call('HSET', P .. 'job:' .. j.id, 'json', j.json, 'seq', j.seq, 'user', j.user,
    'guild', j.guild, 'state', j.state, 'finishedAt', j.finishedAt)
  redis.call('ZADD', P .. 'jobs:seq', j.seq, j.id)
  redis.call('SADD', P .. 'jobs:user:' .. j.user, j.id)
  if j.open == '1' then redis.call('ZADD', P .. 'jobs:open', j.seq, j.id) end
  if j.unfinished == '1' then redis.call('SADD', P .. 'jobs:open:user:' .. j.user, j.id) end
  if j.waiting == '1' then
    redis.call('SADD', P .. 'jobs:waiting', j.id)
    redis.call('SADD', P .. 'jobs:waiting:guild:' .. j.guild, j.id)
  end
  if j.finishedAt ~= '' then redis.call('ZADD', P .. 'jobs:finished', j.finishedAt, j.id) end
  -- Every write makes a new revision: a process sharing the store compares it before it writes.
  return redis.call('HINCRBY', P .. 'job:' .. j.id, 'rev', 1)
end

-- Reads the job fields from ARGV starting at index i (the order of \`jobArguments\`).
local function job_from_argv(i)
  return { id = ARGV[i], json = ARGV[i + 1], seq = ARGV[i + 2], user = ARGV[i + 3], guild = ARGV[i + 4],
    state = ARGV[i + 5], open = ARGV[i + 6], waiting = ARGV[i + 7], finishedAt = ARGV[i + 8],
    unfinished = ARGV[i + 9] }
end

local function delete_job(P, id)
  local user = unindex_job(P, id)
  if not user then return 0 end
  redis.call('SREM', P .. 'jobs:user:' .. user, id)
  redis.call('ZREM', P .. 'jobs:seq', id)
  redis.call('DEL', P .. 'job:' .. id)
  redis.call('DEL', P .. 'preview:' .. id)
  return 1
end
${eventFunctionsLua}`;

/** ARGV: prefix, mode ("insert" refuses an id already stored, "save" replaces), job fields. */
export const saveJobScript = new LuaScript(
  "save-job",
  `${jobFunctionsLua}
local P = ARGV[1]
local j = job_from_argv(3)
if ARGV[2] == 'insert' and redis.call('EXISTS', P .. 'job:' .. j.id) == 1 then return 'exists' end
write_job(P, j)
return 'ok'`,
);

/** ARGV: prefix, user id. Deletes the member's jobs and set-aside records; returns how many jobs. */
export const forgetUserJobsScript = new LuaScript(
  "forget-user-jobs",
  `${jobFunctionsLua}
local P = ARGV[1]
local ids = redis.call('SMEMBERS', P .. 'jobs:user:' .. ARGV[2])
local deleted = 0
for _, id in ipairs(ids) do
  deleted = deleted + delete_job(P, id)
  redis.call('DEL', P .. 'jobs:set-aside:' .. id)
end
redis.call('DEL', P .. 'jobs:user:' .. ARGV[2])
forget_events_of(P, ARGV[2])
return deleted`,
);

/** ARGV: prefix, cutoff, batch size. Deletes up to a batch of jobs closed before the cutoff. */
export const pruneFinishedJobsScript = new LuaScript(
  "prune-finished-jobs",
  `${jobFunctionsLua}
local P = ARGV[1]
local ids = redis.call('ZRANGEBYSCORE', P .. 'jobs:finished', '-inf', '(' .. ARGV[2], 'LIMIT', 0, ARGV[3])
for _, id in ipairs(ids) do delete_job(P, id) end
return #ids`,
);

/**
 * ARGV: prefix, id, reason, time. Moves a job that cannot be read back out of every index into
 * `jobs:set-aside:<id>` (kept for an operator, never loaded); it stays in the member's set so
 * `forgetUser` still finds it. Returns 0 when the job was gone already.
 */
export const setAsideJobScript = new LuaScript(
  "set-aside-job",
  `${jobFunctionsLua}
local P = ARGV[1]
local id = ARGV[2]
local record = redis.call('HMGET', P .. 'job:' .. id, 'user', 'json')
if not record[1] then return 0 end
delete_job(P, id)
redis.call('HSET', P .. 'jobs:set-aside:' .. id, 'user', record[1], 'reason', ARGV[3],
  'data', record[2] or '', 'at', ARGV[4])
redis.call('SADD', P .. 'jobs:user:' .. record[1], id)
return 1`,
);
