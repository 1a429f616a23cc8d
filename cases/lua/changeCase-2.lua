--[[
  Moves a case along its workflow (cases/case.ts), or adds a note, and records the event.

  KEYS[1] case key   case:{id}
  KEYS[2] case events stream
  ARGV[1] action: assign | start | escalate | note | attach | close
  ARGV[2] actor   ARGV[3] at ms   ARGV[4] event id   ARGV[5] case id
  ARGV[6] assignee (assign)   ARGV[7] outcome (close)   ARGV[8] note (note, close), the attachment (attach)
  Closing as no_suspicion or false_positive releases the settlements the case holds (an event
  `settlement_released` after `closed`); str_filed keeps them held.
  Returns {'ok', state} or {'error', code}.
]]
--@include caseEvent
--@include settlementHolds
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'error', 'CASE_NOT_FOUND'} end
if state == 'closed' then return {'error', 'CASE_CLOSED'} end
local action, actor, at = ARGV[1], ARGV[2], ARGV[3]
local details = {}
local released = {}
if action == 'assign' then
  redis.call('HSET', KEYS[1], 'assignee', ARGV[6])
  details = { to = ARGV[6] }
elseif action == 'start' then
  if state ~= 'open' and state ~= 'escalated' then return {'error', 'CASE_ILLEGAL_TRANSITION'} end
  redis.call('HSET', KEYS[1], 'state', 'investigating', 'queue', 'risk')
  if redis.call('HGET', KEYS[1], 'assignee') == '' then redis.call('HSET', KEYS[1], 'assignee', actor) end
elseif action == 'escalate' then
  if state ~= 'open' and state ~= 'investigating' then return {'error', 'CASE_ILLEGAL_TRANSITION'} end
  redis.call('HSET', KEYS[1], 'state', 'escalated', 'queue', 'escalations')
  details = { reason = ARGV[8] }
elseif action == 'note' then
  details = { text = ARGV[8] }
elseif action == 'attach' then
  -- ARGV[8]: the attachment's description (JSON: id, name, type, bytes, sha256), kept beside the case.
  details = cjson.decode(ARGV[8])
  redis.call('HSET', KEYS[1] .. ':attachments', details.id, ARGV[8])
elseif action == 'close' then
  local outcome = ARGV[7]
  if outcome == 'str_filed' then
    if redis.call('HGET', KEYS[1], 'strApproved') ~= '1' then return {'error', 'STR_NOT_APPROVED'} end
  elseif outcome ~= 'no_suspicion' and outcome ~= 'false_positive' then
    return {'error', 'CASE_OUTCOME_UNKNOWN'}
  end
  -- An STR waiting for its approval is approved or sent back first.
  if state == 'pending_approval' and redis.call('HGET', KEYS[1], 'strApproved') ~= '1' then return {'error', 'CASE_ILLEGAL_TRANSITION'} end
  if (redis.call('HGET', KEYS[1], 'openStr') or '') ~= '' and outcome ~= 'str_filed' then return {'error', 'STR_IN_PROGRESS'} end
  redis.call('HSET', KEYS[1], 'state', 'closed', 'outcome', outcome, 'closedBy', actor, 'closedAt', at, 'closingNote', ARGV[8])
  -- The subject may have a new case from now on.
  for _, pointer in ipairs(cjson.decode(redis.call('HGET', KEYS[1], 'pointers') or '[]')) do
    if redis.call('GET', pointer) == ARGV[5] then redis.call('DEL', pointer) end
  end
  details = { outcome = outcome, note = ARGV[8] }
  -- Cleared: the settlements the case held are released with its closing; an STR filed keeps them held.
  if outcome ~= 'str_filed' then released = releaseSettlements(ARGV[5], {}, actor, at, 'case closed as ' .. outcome) end
else
  return {'error', 'CASE_ACTION_UNKNOWN'}
end
redis.call('HSET', KEYS[1], 'updatedAt', at)
local kinds = { assign = 'assigned', start = 'started', escalate = 'escalated', note = 'note', attach = 'attachment_added', close = 'closed' }
caseEvent(KEYS[2], ARGV[5], ARGV[4], at, kinds[action], actor, details)
if #released > 0 then
  caseEvent(KEYS[2], ARGV[5], ARGV[4] .. '-released', at, 'settlement_released', actor, { paymentIds = released, note = 'case closed as ' .. ARGV[7] })
end
return {'ok', redis.call('HGET', KEYS[1], 'state')}
