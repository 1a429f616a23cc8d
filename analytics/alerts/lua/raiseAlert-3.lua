--[[
  Raises an alert for a risky decision, or counts the payment into the open alert of the
  same burst: one subject (the payer's wallet, or the merchant, device or IP the rule is
  about), one rule, one participant, within the grouping window, makes one alert.

  KEYS[1] group key     alertgroup:{participant}:{subject key}:{ruleId}
  KEYS[2] new alert key alert:{newId}
  KEYS[3] index         alerts:index (sorted set by creation time)
  ARGV[1] new alert id  ARGV[2] created-at ms  ARGV[3] grouping window ms
  ARGV[4] alert JSON (without count and status)  ARGV[5] score  ARGV[6] severity
  ARGV[7] payment id    ARGV[8] retention ms
  ARGV[9] '1': each grouped event restarts the window (a monitor's subject that stays
          abnormal keeps its alert); otherwise the window runs from the first event
  Returns {'created', id} or {'grouped', id, count}.
]]
local existing = redis.call('GET', KEYS[1])
if existing then
  local key = 'alert:' .. existing
  if redis.call('EXISTS', key) == 1 and redis.call('HGET', key, 'status') ~= 'resolved' then
    local count = redis.call('HINCRBY', key, 'count', 1)
    redis.call('HSET', key, 'lastPaymentId', ARGV[7], 'updatedAt', ARGV[2])
    if ARGV[9] == '1' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
    -- The alert takes the highest score and severity of its burst.
    if tonumber(ARGV[5]) > tonumber(redis.call('HGET', key, 'score') or '0') then
      redis.call('HSET', key, 'score', ARGV[5], 'severity', ARGV[6])
    end
    return {'grouped', existing, count}
  end
end
redis.call('HSET', KEYS[2], 'alert', ARGV[4], 'count', 1, 'status', 'open', 'score', ARGV[5],
  'severity', ARGV[6], 'lastPaymentId', ARGV[7], 'updatedAt', ARGV[2], 'assignee', '', 'disposition', '', 'note', '')
redis.call('PEXPIRE', KEYS[2], ARGV[8])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return {'created', ARGV[1]}
