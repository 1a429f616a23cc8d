--[[
  Puts an alert's payment into its subject's case: attached to the subject's open case when
  there is one; otherwise a case is opened when the policy says so, either at once (the
  caller's judgement: a decline, a severity) or on the Nth alert about the subject within a
  window, which then gathers the alerts counted before it. One script, so two nodes seeing
  the same burst make one case.

  KEYS[1] the subject's open case       casesubject:{subject key}
  KEYS[2] the subject's counted alerts  casecandidates:{subject key} (a list of
          alertId|cents|severity|paymentId, kept for the window)
  KEYS[3] case events stream
  ARGV[1] new case id   ARGV[2] alert id   ARGV[3] at ms   ARGV[4] subject JSON
  ARGV[5] subject kind  ARGV[6] subject id ARGV[7] severity (low..critical)
  ARGV[8] the payment's US cents          ARGV[9] '1' when the alert is new (not a grouped payment)
  ARGV[10] '1' when the policy opens a case for this alert at once   ARGV[11] why (the policy's clause)
  ARGV[12] alerts about one subject that open a case (0: never by count)  ARGV[13] their window ms
  ARGV[14] event id     ARGV[15] a second event id (the first alert attached to a new case)
  ARGV[16] the alert's payment id
  ARGV[17] SLA warning at ms   ARGV[18] SLA deadline ms (of a case opened now; cases/case-sla.ts)
  ARGV[19] '1' when the payment's settlement is held: the case holds it (and one is opened for it)
  The case keys (case:{id}, case:{id}:alerts, case:{id}:timeline, alertcase:{alertId} of the
  alerts counted before) are named from the ids, as the alert scripts name an alert's hash.
  Returns {'attached', caseId, '1' when the alert is new to the case} or {'opened', caseId} or {'none'}.
]]
--@include caseEvent
--@include settlementHolds
local rank = { low = 1, medium = 2, high = 3, critical = 4 }
local at, alertId = ARGV[3], ARGV[2]

-- One alert's payment into a case: the alert once, every payment of it counted.
local function attach(caseId, eventId, id, cents, severity, paymentId, held)
  local key = 'case:' .. caseId
  if held == '1' then holdSettlement(caseId, paymentId) end
  local added = redis.call('SADD', key .. ':alerts', id)
  if added == 1 then redis.call('HINCRBY', key, 'alertCount', 1) end
  redis.call('HINCRBY', key, 'paymentCount', 1)
  redis.call('HINCRBY', key, 'amountCents', cents)
  if (rank[severity] or 0) > (rank[redis.call('HGET', key, 'severity')] or 0) then
    redis.call('HSET', key, 'severity', severity)
  end
  redis.call('HSET', key, 'updatedAt', at)
  redis.call('SET', 'alertcase:' .. id, caseId)
  if added == 1 then
    caseEvent(KEYS[3], caseId, eventId, at, 'alert_attached', 'system', { alertId = id, paymentId = paymentId })
  end
  return added
end

local open = redis.call('GET', KEYS[1])
if open and redis.call('HGET', 'case:' .. open, 'state') ~= 'closed' then
  local added = attach(open, ARGV[14], alertId, ARGV[8], ARGV[7], ARGV[16], ARGV[19])
  return {'attached', open, tostring(added)}
end

local opens = ARGV[10] == '1'
local because = ARGV[11]
local counted = {}
if not opens and tonumber(ARGV[12]) > 0 and ARGV[9] == '1' then
  redis.call('RPUSH', KEYS[2], alertId .. '|' .. ARGV[8] .. '|' .. ARGV[7] .. '|' .. ARGV[16] .. '|' .. ARGV[19])
  redis.call('PEXPIRE', KEYS[2], ARGV[13])
  counted = redis.call('LRANGE', KEYS[2], 0, -1)
  if #counted >= tonumber(ARGV[12]) then
    opens = true
    because = 'alerts_in_window'
  end
end
if not opens then return {'none'} end

local caseId = ARGV[1]
local key = 'case:' .. caseId
redis.call('HSET', key, 'id', caseId, 'subject', ARGV[4], 'subjectKind', ARGV[5], 'subjectId', ARGV[6],
  'pointers', cjson.encode({ KEYS[1] }),
  'mergedSubjects', '[]', 'state', 'open', 'outcome', '', 'queue', 'risk', 'severity', ARGV[7],
  'amountCents', 0, 'alertCount', 0, 'paymentCount', 0, 'assignee', '', 'openedBy', 'system',
  'openedBecause', because, 'mergedInto', '', 'closedBy', '', 'closingNote', '',
  'openedAt', at, 'updatedAt', at, 'closedAt', '')
redis.call('HSET', key, 'slaWarnAt', ARGV[17], 'slaDeadlineAt', ARGV[18])
redis.call('SET', KEYS[1], caseId)
redis.call('ZADD', 'cases:index', at, caseId)
redis.call('ZADD', 'cases:sla', ARGV[17], caseId)
caseEvent(KEYS[3], caseId, ARGV[14], at, 'opened', 'system', { because = because, alertId = alertId, slaDeadlineAt = tonumber(ARGV[18]) })
-- The alerts counted towards the opening came first; the one that opened it is among them.
local n = 0
for _, entry in ipairs(counted) do
  -- alertId|cents|severity|paymentId|held ('|held' absent from entries counted before holds existed)
  local id, cents, severity, paymentId, held = string.match(entry, '^([^|]+)|(%d+)|([^|]*)|([^|]*)|?([01]?)$')
  if id and id ~= alertId and redis.call('EXISTS', 'alertcase:' .. id) == 0 then
    n = n + 1
    attach(caseId, ARGV[15] .. '-' .. n, id, cents, severity, paymentId, held)
  end
end
redis.call('DEL', KEYS[2])
attach(caseId, ARGV[15], alertId, ARGV[8], ARGV[7], ARGV[16], ARGV[19])
return {'opened', caseId}
