import { LuaScript } from "./lua-script.js";

/** A result's hash and its three indexes (see `redis-keys.ts`), changed together. */
const resultFunctionsLua = `
local function delete_result(P, m)
  local old = redis.call('HMGET', P .. 'result:' .. m, 'user', 'guild')
  if not old[1] then return 0 end
  redis.call('ZREM', P .. 'results:member:' .. old[1] .. ':' .. (old[2] or ''), m)
  redis.call('SREM', P .. 'results:user:' .. old[1], m)
  redis.call('ZREM', P .. 'results:created', m)
  redis.call('DEL', P .. 'result:' .. m)
  return 1
end
`;

/** ARGV: prefix, message id, json, user, guild, createdAt. Replaces an earlier record of the message. */
export const recordResultScript = new LuaScript(
  "record-result",
  `${resultFunctionsLua}
local P, m, user, guild, created = ARGV[1], ARGV[2], ARGV[4], ARGV[5], ARGV[6]
delete_result(P, m)
redis.call('HSET', P .. 'result:' .. m, 'json', ARGV[3], 'user', user, 'guild', guild, 'createdAt', created)
redis.call('ZADD', P .. 'results:member:' .. user .. ':' .. guild, created, m)
redis.call('SADD', P .. 'results:user:' .. user, m)
redis.call('ZADD', P .. 'results:created', created, m)
return 1`,
);

/** ARGV: prefix, message id. Returns 1 when there was one. */
export const removeResultScript = new LuaScript(
  "remove-result",
  `${resultFunctionsLua}
return delete_result(ARGV[1], ARGV[2])`,
);

/** ARGV: prefix, user id. Returns how many were deleted. */
export const forgetUserResultsScript = new LuaScript(
  "forget-user-results",
  `${resultFunctionsLua}
local P = ARGV[1]
local deleted = 0
for _, m in ipairs(redis.call('SMEMBERS', P .. 'results:user:' .. ARGV[2])) do
  deleted = deleted + delete_result(P, m)
end
redis.call('DEL', P .. 'results:user:' .. ARGV[2])
return deleted`,
);

/** ARGV: prefix, cutoff, batch size. Deletes up to a batch of results created before the cutoff. */
export const pruneResultsScript = new LuaScript(
  "prune-results",
  `${resultFunctionsLua}
local P = ARGV[1]
local ids = redis.call('ZRANGEBYSCORE', P .. 'results:created', '-inf', '(' .. ARGV[2], 'LIMIT', 0, ARGV[3])
for _, m in ipairs(ids) do delete_result(P, m) end
return #ids`,
);
