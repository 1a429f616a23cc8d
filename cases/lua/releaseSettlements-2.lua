--[[
  An officer releases settlements a case holds: the payments named, each held in this case,
  or every one it holds when none is named. Allowed in any state, closed included: a case
  closed with an STR filed keeps its payments held until an officer releases them.

  KEYS[1] case key   case:{id}
  KEYS[2] case events stream
  ARGV[1] actor   ARGV[2] at ms   ARGV[3] event id   ARGV[4] case id   ARGV[5] note
  ARGV[6..] payment ids (none: all)
  Returns {'ok', id, id...} or {'error', code, payment id}.
]]
--@include caseEvent
--@include settlementHolds
if not redis.call('HGET', KEYS[1], 'state') then return {'error', 'CASE_NOT_FOUND'} end
local ids = {}
for i = 6, #ARGV do
  if redis.call('SISMEMBER', KEYS[1] .. ':held', ARGV[i]) == 0 then return {'error', 'SETTLEMENT_NOT_HELD', ARGV[i]} end
  ids[#ids + 1] = ARGV[i]
end
if #ids == 0 and redis.call('SCARD', KEYS[1] .. ':held') == 0 then return {'error', 'SETTLEMENT_NOT_HELD', ''} end
local released = releaseSettlements(ARGV[4], ids, ARGV[1], ARGV[2], ARGV[5])
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[2])
caseEvent(KEYS[2], ARGV[4], ARGV[3], ARGV[2], 'settlement_released', ARGV[1], { paymentIds = released, note = ARGV[5] })
local reply = {'ok'}
for _, id in ipairs(released) do reply[#reply + 1] = id end
return reply
