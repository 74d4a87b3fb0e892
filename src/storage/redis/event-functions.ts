/**
 * How many entries the job event stream keeps (`P events`, trimmed approximately). A reader that
 * falls further behind than this notices the gap (the entries' `n` skips) and reloads the open
 * jobs instead. Job entries carry the job (a few kB), so this bounds the stream to some MB.
 */
export const eventsMaxLength = 5000;

/**
 * The Lua that appends to the job event stream (`P events`), shared by every script that writes a
 * job, so a stored change and its entry are one atomic step: no reader ever sees a change without
 * its entry, or an entry for a change that was not stored.
 *
 * Every entry has `n` (from `P events:n`, one more than the entry before it: readers check it to
 * notice entries trimmed before they read them) and `k`, its kind. Job entries also have `u`, the
 * member, so `/forget-me` can delete the member's entries (`forget_events_of`).
 */
export const eventFunctionsLua = `
local function publish_event(P, fields)
  local n = redis.call('INCR', P .. 'events:n')
  return redis.call('XADD', P .. 'events', 'MAXLEN', '~', ${eventsMaxLength}, '*', 'n', n, unpack(fields))
end

-- A stored job change: the job as stored, its new revision, its member, and what it announces.
local function publish_job(P, j, rev, announcement)
  return publish_event(P, { 'k', 'job', 'job', j.json, 'rev', rev, 'u', j.user, 'ev', announcement })
end

-- Deletes every job entry of a member (their prompts are in it).
local function forget_events_of(P, user)
  local entries = redis.call('XRANGE', P .. 'events', '-', '+')
  for _, entry in ipairs(entries) do
    local fields = entry[2]
    for i = 1, #fields, 2 do
      if fields[i] == 'u' then
        if fields[i + 1] == user then redis.call('XDEL', P .. 'events', entry[1]) end
        break
      end
    end
  end
end
`;
