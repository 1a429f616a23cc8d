--[[
  An officer opens a case from alerts: about the first alert's subject, with those alerts.
  Refused when the subject already has an open case (the officer is sent to it) or when an
  alert is already in an open case.

  KEYS[1] the subject's open case   casesubject:{subject key}
  KEYS[2] case events stream
  ARGV[1] case id  ARGV[2] at ms  ARGV[3] subject JSON  ARGV[4] subject kind  ARGV[5] subject id
  ARGV[6] actor    ARGV[7] event id  ARGV[8] SLA warning at ms  ARGV[9] SLA deadline ms
  ARGV[10..] per alert, four values: alert id, US cents, severity, payment id
  Returns {'opened', caseId} or {'error', code, the case in the way}.
]]
--@include caseEvent
local rank = { low = 1, medium = 2, high = 3, critical = 4 }
local open = redis.call('GET', KEYS[1])
if open and redis.call('HGET', 'case:' .. open, 'state') ~= 'closed' then
  return {'error', 'CASE_OPEN_FOR_SUBJECT', open}
end
for i = 10, #ARGV, 4 do
  local holder = redis.call('GET', 'alertcase:' .. ARGV[i])
  if holder and redis.call('HGET', 'case:' .. holder, 'state') ~= 'closed' then
    return {'error', 'ALERT_IN_CASE', holder}
  end
end
local caseId, at = ARGV[1], ARGV[2]
local key = 'case:' .. caseId
redis.call('HSET', key, 'id', caseId, 'subject', ARGV[3], 'subjectKind', ARGV[4], 'subjectId', ARGV[5],
  'pointers', cjson.encode({ KEYS[1] }),
  'mergedSubjects', '[]', 'state', 'open', 'outcome', '', 'queue', 'risk', 'severity', 'low',
  'amountCents', 0, 'alertCount', 0, 'paymentCount', 0, 'assignee', '', 'openedBy', ARGV[6],
  'openedBecause', 'officer', 'mergedInto', '', 'closedBy', '', 'closingNote', '',
  'openedAt', at, 'updatedAt', at, 'closedAt', '')
redis.call('HSET', key, 'slaWarnAt', ARGV[8], 'slaDeadlineAt', ARGV[9])
redis.call('SET', KEYS[1], caseId)
redis.call('ZADD', 'cases:index', at, caseId)
redis.call('ZADD', 'cases:sla', ARGV[8], caseId)
local alerts = {}
for i = 10, #ARGV, 4 do
  redis.call('SADD', key .. ':alerts', ARGV[i])
  redis.call('SET', 'alertcase:' .. ARGV[i], caseId)
  redis.call('HINCRBY', key, 'alertCount', 1)
  redis.call('HINCRBY', key, 'paymentCount', 1)
  redis.call('HINCRBY', key, 'amountCents', ARGV[i + 1])
  if (rank[ARGV[i + 2]] or 0) > (rank[redis.call('HGET', key, 'severity')] or 0) then
    redis.call('HSET', key, 'severity', ARGV[i + 2])
  end
  alerts[#alerts + 1] = ARGV[i]
end
caseEvent(KEYS[2], caseId, ARGV[7], at, 'opened', ARGV[6], { because = 'officer', alertIds = alerts, slaDeadlineAt = tonumber(ARGV[9]) })
return {'opened', caseId}
