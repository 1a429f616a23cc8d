-- A case's event, written in the same script as the change it records: to the case's
-- timeline (a list beside its hash) and to the stream the ingest writer moves into
-- `case_events`. So a change and its record are written together or not at all.
local function caseEvent(stream, caseId, eventId, at, kind, actor, details)
  local key = 'case:' .. caseId
  local h = redis.call('HMGET', key, 'state', 'assignee', 'outcome', 'subjectKind', 'subjectId')
  local event = cjson.encode({
    eventId = eventId, caseId = caseId, at = tonumber(at), kind = kind, actor = actor,
    state = h[1] or '', assignee = h[2] or '', outcome = h[3] or '',
    subjectKind = h[4] or '', subjectId = h[5] or '', details = details,
  })
  redis.call('RPUSH', key .. ':timeline', event)
  redis.call('XADD', stream, '*', 'c', event)
end
