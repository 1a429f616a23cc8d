--[[
  Merges one case into another: its alerts, counts and subjects move, its subjects' new
  alerts go to the case it joined, and it is closed as merged. Both must be open (not closed).

  KEYS[1] the case kept     case:{into}
  KEYS[2] the case merged   case:{from}
  KEYS[3] case events stream
  ARGV[1] into id  ARGV[2] from id  ARGV[3] actor  ARGV[4] at ms  ARGV[5] event id (kept case)
  ARGV[6] event id (merged case)
  Returns {'ok', state} or {'error', code}.
]]
--@include caseEvent
local rank = { low = 1, medium = 2, high = 3, critical = 4 }
local into, from, actor, at = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if into == from then return {'error', 'CASE_MERGE_SELF'} end
local a = redis.call('HGET', KEYS[1], 'state')
local b = redis.call('HGET', KEYS[2], 'state')
if not a or not b then return {'error', 'CASE_NOT_FOUND'} end
if a == 'closed' or b == 'closed' then return {'error', 'CASE_CLOSED'} end
if b == 'pending_approval' then return {'error', 'CASE_ILLEGAL_TRANSITION'} end
local moved = redis.call('SMEMBERS', KEYS[2] .. ':alerts')
for _, id in ipairs(moved) do
  if redis.call('SADD', KEYS[1] .. ':alerts', id) == 1 then redis.call('HINCRBY', KEYS[1], 'alertCount', 1) end
  redis.call('SET', 'alertcase:' .. id, into)
end
-- The settlements it holds are held by the case it joins.
for _, paymentId in ipairs(redis.call('SMEMBERS', KEYS[2] .. ':held')) do
  redis.call('SADD', KEYS[1] .. ':held', paymentId)
  redis.call('HSET', 'settlement:holdcase', paymentId, into)
end
redis.call('DEL', KEYS[2] .. ':held')
redis.call('HINCRBY', KEYS[1], 'paymentCount', redis.call('HGET', KEYS[2], 'paymentCount') or 0)
redis.call('HINCRBY', KEYS[1], 'amountCents', redis.call('HGET', KEYS[2], 'amountCents') or 0)
local severity = redis.call('HGET', KEYS[2], 'severity')
if (rank[severity] or 0) > (rank[redis.call('HGET', KEYS[1], 'severity')] or 0) then
  redis.call('HSET', KEYS[1], 'severity', severity)
end
local subjects = cjson.decode(redis.call('HGET', KEYS[1], 'mergedSubjects') or '[]')
subjects[#subjects + 1] = cjson.decode(redis.call('HGET', KEYS[2], 'subject'))
for _, s in ipairs(cjson.decode(redis.call('HGET', KEYS[2], 'mergedSubjects') or '[]')) do subjects[#subjects + 1] = s end
local pointers = cjson.decode(redis.call('HGET', KEYS[1], 'pointers') or '[]')
for _, pointer in ipairs(cjson.decode(redis.call('HGET', KEYS[2], 'pointers') or '[]')) do
  if redis.call('GET', pointer) == from then redis.call('SET', pointer, into) end
  pointers[#pointers + 1] = pointer
end
redis.call('HSET', KEYS[1], 'mergedSubjects', cjson.encode(subjects), 'pointers', cjson.encode(pointers), 'updatedAt', at)
redis.call('HSET', KEYS[2], 'state', 'closed', 'mergedInto', into, 'closedBy', actor, 'closedAt', at, 'updatedAt', at)
caseEvent(KEYS[3], into, ARGV[5], at, 'merged', actor, { from = from, alerts = #moved })
caseEvent(KEYS[3], from, ARGV[6], at, 'merged', actor, { into = into })
return {'ok', redis.call('HGET', KEYS[1], 'state')}
