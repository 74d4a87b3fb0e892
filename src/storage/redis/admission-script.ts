import { jobFunctionsLua } from "./job-scripts.js";
import { LuaScript } from "./lua-script.js";

/**
 * Admission in one script: the checks the queue's `AdmissionGate` makes, in its order (the
 * member's unfinished jobs, the total and the server's waiting jobs, the rate window), then, only
 * when all pass, the job's insert and the rate-limit hit. Redis runs it while no other client's
 * command runs, so two bot processes can never both take a member's last place.
 *
 * ARGV: prefix, maxQueuedPerUser, maxSize, maxPerGuild, jobsPerWindow, windowMs, now, then the
 * job fields (`jobArguments`). Replies: {"accepted", now} | {"exists"} |
 * {"too_many_queued", queued} | {"queue_full"} | {"guild_queue_full"} |
 * {"rate_limited", retryAfterMs}.
 *
 * The stored job is announced on the job event stream in the same step (`event-functions.ts`), so
 * the conductor and the process showing the job hear of it however the admitting process fares.
 *
 * The rate record is the rate store's (`{"hits":[…],"expiresAt":…}`, TTL one window), so
 * `RateStore.hits` reads what admissions wrote. cjson writes numbers with 14 significant digits:
 * epoch milliseconds (13 digits) round-trip exactly.
 */
export const admitScript = new LuaScript(
  "admit-job",
  `${jobFunctionsLua}
local P = ARGV[1]
local max_queued, max_size, max_per_guild = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local limit, window, now = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local j = job_from_argv(8)
if redis.call('EXISTS', P .. 'job:' .. j.id) == 1 then return { 'exists' } end

local queued = redis.call('SCARD', P .. 'jobs:open:user:' .. j.user)
if queued >= max_queued then return { 'too_many_queued', queued } end
if redis.call('SCARD', P .. 'jobs:waiting') >= max_size then return { 'queue_full' } end
if redis.call('SCARD', P .. 'jobs:waiting:guild:' .. j.guild) >= max_per_guild then
  return { 'guild_queue_full' }
end

-- The hits still inside the window; an unreadable record counts as none (as the rate store reads it).
local live = {}
local raw = redis.call('GET', P .. 'rate:' .. j.user)
if raw then
  local ok, record = pcall(cjson.decode, raw)
  if ok and type(record) == 'table' and type(record.hits) == 'table'
    and type(record.expiresAt) == 'number' and record.expiresAt > now then
    for _, hit in ipairs(record.hits) do
      if type(hit) == 'number' and hit + window > now then table.insert(live, hit) end
    end
  end
end
table.sort(live)
if #live >= limit then
  -- The hit whose expiry brings the count below the limit.
  local blocking = live[#live - limit + 1]
  return { 'rate_limited', math.max(1, blocking + window - now) }
end

local rev = write_job(P, j)
publish_job(P, j, rev, '{"type":"queued"}')
table.insert(live, now)
while #live > math.max(1, limit) do table.remove(live, 1) end
local expires_at = now + window
redis.call('SET', P .. 'rate:' .. j.user, cjson.encode({ hits = live, expiresAt = expires_at }), 'PX', window)
redis.call('ZADD', P .. 'rates:expiry', expires_at, j.user)
return { 'accepted', now }`,
);

/**
 * ARGV: prefix. The next admission seq: above every stored job's (a counter that was lost or
 * that a migration did not set catches up) and never handed out twice, whichever process asks.
 */
export const allocateSeqScript = new LuaScript(
  "allocate-seq",
  `local P = ARGV[1]
local top = redis.call('ZREVRANGE', P .. 'jobs:seq', 0, 0, 'WITHSCORES')
local floor = tonumber(top[2] or '0')
local seq = redis.call('INCR', P .. 'jobs:next-seq')
if seq <= floor then
  seq = floor + 1
  redis.call('SET', P .. 'jobs:next-seq', seq)
end
return seq`,
);
