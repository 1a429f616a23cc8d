--[[
  Drafts the correction of an approved STR: a new version of the report (its own id, version
  + 1, naming the first version it corrects), drafted on the same case, in any state (the case
  is usually closed as str_filed by then), while the approved one stays as it was approved.
  Only the latest version is corrected, and one STR at a time is in progress on a case.

  KEYS[1] the approved STR   str:{strId}
  KEYS[2] the correction     str:{newId}
  KEYS[3] case key           case:{caseId}
  KEYS[4] case events stream
  ARGV[1] case id  ARGV[2] approved STR id  ARGV[3] correction's id  ARGV[4] its draft (JSON)
  ARGV[5] actor    ARGV[6] at ms  ARGV[7] event id
  Returns {'ok'} or {'error', code, what is in the way}.
]]
--@include caseEvent
local state = redis.call('HGET', KEYS[1], 'state')
if not state or redis.call('HGET', KEYS[1], 'caseId') ~= ARGV[1] then return {'error', 'STR_NOT_FOUND'} end
if state ~= 'approved' then return {'error', 'STR_ILLEGAL_TRANSITION'} end
local superseded = redis.call('HGET', KEYS[1], 'supersededBy') or ''
if superseded ~= '' then return {'error', 'STR_SUPERSEDED', superseded} end
if not redis.call('HGET', KEYS[3], 'state') then return {'error', 'CASE_NOT_FOUND'} end
local current = redis.call('HGET', KEYS[3], 'openStr')
if current and current ~= '' then return {'error', 'STR_IN_PROGRESS', current} end
redis.call('HSET', KEYS[2], 'id', ARGV[3], 'caseId', ARGV[1], 'state', 'draft', 'doc', ARGV[4],
  'draftedBy', ARGV[5], 'comment', '', 'updatedAt', ARGV[6], 'previousStrId', ARGV[2])
redis.call('HSET', KEYS[3], 'openStr', ARGV[3], 'updatedAt', ARGV[6])
redis.call('RPUSH', KEYS[3] .. ':strs', ARGV[3])
caseEvent(KEYS[4], ARGV[1], ARGV[7], ARGV[6], 'str_drafted', ARGV[5], { strId = ARGV[3], corrects = ARGV[2] })
return {'ok'}
