--[[
  Reads a payment's compact state and, while the tap's stream still holds it, its entry:
  one round trip for what a status query, a repeat or a follow-up needs from Redis.

  KEYS[1] payment state key   paystate:{paymentId}
  KEYS[2] tap stream
  KEYS[3] the hash a payment was kept in before compact states: payment:{paymentId}
  Returns {} when Redis holds nothing of it, {'S', state} or {'S', state, entry fields}, or
  {'H', hash fields} for a payment committed before compact states.
]]
local state = redis.call('GET', KEYS[1])
if not state then
  local legacy = redis.call('HGETALL', KEYS[3])
  if #legacy == 0 then return {} end
  return {'H', legacy}
end
local entry = string.match(state, '|([^|]+)$')
local found = redis.call('XRANGE', KEYS[2], entry, entry)
if #found == 0 then return {'S', state} end
return {'S', state, found[1][2]}
