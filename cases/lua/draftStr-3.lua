--[[
  Drafts a case's STR: refused when the case is closed or already has an STR in progress
  (drafted, submitted or returned: one at a time).

  KEYS[1] case key   case:{caseId}
  KEYS[2] STR key    str:{strId}
  KEYS[3] case events stream
  ARGV[1] case id  ARGV[2] STR id  ARGV[3] the draft (JSON)  ARGV[4] actor  ARGV[5] at ms  ARGV[6] event id
  Returns {'ok'} or {'error', code, the STR in the way}.
]]
--@include caseEvent
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'error', 'CASE_NOT_FOUND'} end
if state == 'closed' then return {'error', 'CASE_CLOSED'} end
local current = redis.call('HGET', KEYS[1], 'openStr')
if current and current ~= '' then return {'error', 'STR_IN_PROGRESS', current} end
redis.call('HSET', KEYS[2], 'id', ARGV[2], 'caseId', ARGV[1], 'state', 'draft', 'doc', ARGV[3],
  'draftedBy', ARGV[4], 'comment', '', 'updatedAt', ARGV[5])
redis.call('HSET', KEYS[1], 'openStr', ARGV[2], 'updatedAt', ARGV[5])
redis.call('RPUSH', KEYS[1] .. ':strs', ARGV[2])
caseEvent(KEYS[3], ARGV[1], ARGV[6], ARGV[5], 'str_drafted', ARGV[4], { strId = ARGV[2] })
return {'ok'}
