--[[
  Moves a case's STR along: edit (a draft, or one sent back), submit (the case waits for a
  second officer's approval), return (sent back with a comment: the case is investigated
  again), approve (by anyone but its drafter: four eyes; the case may then be closed as
  str_filed), file (the regulator's reference, recorded once after approval). An approved
  STR is never edited. A correction (drafted by correctStr-4.lua, `previousStrId` set) goes
  through the same steps without moving its case, usually closed by then; approved, it
  supersedes the version it corrects.

  KEYS[1] STR key    str:{strId}
  KEYS[2] case key   case:{caseId}
  KEYS[3] case events stream
  ARGV[1] action  ARGV[2] actor  ARGV[3] at ms  ARGV[4] event id  ARGV[5] case id  ARGV[6] STR id
  ARGV[7] the document (edit, approve: JSON)  ARGV[8] comment (return)  ARGV[9] filing reference (file)
  Returns {'ok', STR state} or {'error', code}.
]]
--@include caseEvent
local str = redis.call('HGET', KEYS[1], 'state')
if not str or redis.call('HGET', KEYS[1], 'caseId') ~= ARGV[5] then return {'error', 'STR_NOT_FOUND'} end
local case = redis.call('HGET', KEYS[2], 'state')
if not case then return {'error', 'CASE_NOT_FOUND'} end
local action, actor, at = ARGV[1], ARGV[2], ARGV[3]
local details = { strId = ARGV[6] }
local previous = redis.call('HGET', KEYS[1], 'previousStrId') or ''
local correction = previous ~= ''
local kind
if action == 'edit' then
  if str ~= 'draft' and str ~= 'returned' then return {'error', 'STR_NOT_EDITABLE'} end
  redis.call('HSET', KEYS[1], 'doc', ARGV[7])
  kind = 'str_edited'
elseif action == 'submit' then
  if str ~= 'draft' and str ~= 'returned' then return {'error', 'STR_ILLEGAL_TRANSITION'} end
  if not correction and case ~= 'investigating' and case ~= 'escalated' then return {'error', 'CASE_ILLEGAL_TRANSITION'} end
  redis.call('HSET', KEYS[1], 'state', 'submitted', 'submittedBy', actor)
  if not correction then redis.call('HSET', KEYS[2], 'state', 'pending_approval', 'queue', 'compliance') end
  kind = 'str_submitted'
elseif action == 'return' then
  if str ~= 'submitted' then return {'error', 'STR_ILLEGAL_TRANSITION'} end
  if redis.call('HGET', KEYS[1], 'draftedBy') == actor then return {'error', 'FOUR_EYES_REQUIRED'} end
  redis.call('HSET', KEYS[1], 'state', 'returned', 'comment', ARGV[8])
  if not correction then redis.call('HSET', KEYS[2], 'state', 'investigating', 'queue', 'risk') end
  details.comment = ARGV[8]
  kind = 'str_returned'
elseif action == 'approve' then
  if str ~= 'submitted' then return {'error', 'STR_ILLEGAL_TRANSITION'} end
  if redis.call('HGET', KEYS[1], 'draftedBy') == actor then return {'error', 'FOUR_EYES_REQUIRED'} end
  redis.call('HSET', KEYS[1], 'state', 'approved', 'doc', ARGV[7], 'approvedBy', actor)
  redis.call('HSET', KEYS[2], 'strApproved', '1', 'openStr', '')
  if correction then
    redis.call('HSET', 'str:' .. previous, 'supersededBy', ARGV[6])
    details.corrects = previous
  end
  kind = 'str_approved'
elseif action == 'file' then
  if str ~= 'approved' then return {'error', 'STR_ILLEGAL_TRANSITION'} end
  if (redis.call('HGET', KEYS[1], 'filingReference') or '') ~= '' then return {'error', 'STR_ALREADY_FILED'} end
  redis.call('HSET', KEYS[1], 'filingReference', ARGV[9], 'doc', ARGV[7])
  details.filingReference = ARGV[9]
  kind = 'str_filed'
else
  return {'error', 'STR_ACTION_UNKNOWN'}
end
redis.call('HSET', KEYS[1], 'updatedAt', at)
redis.call('HSET', KEYS[2], 'updatedAt', at)
caseEvent(KEYS[3], ARGV[5], ARGV[4], at, kind, actor, details)
return {'ok', redis.call('HGET', KEYS[1], 'state')}
