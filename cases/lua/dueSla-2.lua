--[[
  The SLA clocks that are due at ARGV[1]: each open case's warning, then its escalation when
  its deadline passes, each once (a marker on the case, set in this script), whichever node
  sweeps and however often. An escalated case joins the escalations queue; one waiting for
  its STR's approval keeps its state and is marked escalated only. A closed case's clock stops.

  KEYS[1] cases:sla (sorted set: case id by the time its clock is next due)
  KEYS[2] case events stream
  ARGV[1] now ms   ARGV[2] at most this many cases   ARGV[3] an event id prefix
  Returns a flat list: case id, 'warning' | 'escalated', ...
]]
--@include caseEvent
local now = tonumber(ARGV[1])
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
local n = 0
for _, id in ipairs(due) do
  local key = 'case:' .. id
  local h = redis.call('HMGET', key, 'state', 'slaWarnAt', 'slaDeadlineAt', 'slaWarnedAt', 'slaEscalatedAt')
  local state, warnAt, deadlineAt = h[1], tonumber(h[2] or ''), tonumber(h[3] or '')
  if not state or state == 'closed' or not deadlineAt then
    redis.call('ZREM', KEYS[1], id)
  else
    if not h[4] and warnAt and warnAt <= now then
      redis.call('HSET', key, 'slaWarnedAt', ARGV[1])
      n = n + 1
      caseEvent(KEYS[2], id, ARGV[3] .. '-' .. n, ARGV[1], 'sla_warning', 'system', { deadlineAt = deadlineAt })
      out[#out + 1] = id
      out[#out + 1] = 'warning'
    end
    if not h[5] and deadlineAt <= now then
      redis.call('HSET', key, 'slaEscalatedAt', ARGV[1])
      if state == 'open' or state == 'investigating' then
        redis.call('HSET', key, 'state', 'escalated', 'queue', 'escalations')
      end
      n = n + 1
      caseEvent(KEYS[2], id, ARGV[3] .. '-' .. n, ARGV[1], 'sla_escalated', 'system', { deadlineAt = deadlineAt })
      out[#out + 1] = id
      out[#out + 1] = 'escalated'
    end
    if deadlineAt <= now then
      redis.call('ZREM', KEYS[1], id)
    else
      redis.call('ZADD', KEYS[1], deadlineAt, id)
    end
  end
end
return out
