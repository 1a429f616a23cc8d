-- Keeps what the rule set `seq` is (each rule's version and mode, the thresholds), so any
-- version can be compared with and restored (a rollback drafts the changes back to it).
-- Written by every script that bumps the rule-set sequence.
local function snapshotRuleSet(currentKey, modeKey, seq, by)
  local now = redis.call('TIME')
  redis.call('HSET', 'risk:rules:snapshots', tostring(seq), cjson.encode({
    current = redis.call('HGETALL', currentKey),
    mode = redis.call('HGETALL', modeKey),
    thresholds = redis.call('HGETALL', 'risk:thresholds'),
    at = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000),
    by = by,
  }))
end
