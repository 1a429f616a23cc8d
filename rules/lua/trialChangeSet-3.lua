--[[
  Starts or ends a change set's shadow period: its changed rules run live in shadow beside the
  rule set, under trial ids, their hits recorded as shadow hits and never deciding anything.
  Either way the running set changes, so the rule-set sequence is bumped and announced.

  KEYS[1] risk:rules:current   KEYS[2] risk:rules:mode   KEYS[3] risk:rules:seq
  ARGV[1] 'start' | 'end'  ARGV[2] change set id  ARGV[3] the trial JSON (start)  ARGV[4] channel
  The trials are the hash risk:rules:trials (change set id -> trial JSON).
  Returns the rule-set sequence, or 0 when there was no trial to end.
]]
--@include snapshotRuleSet
if ARGV[1] == 'start' then
  redis.call('HSET', 'risk:rules:trials', ARGV[2], ARGV[3])
elseif redis.call('HDEL', 'risk:rules:trials', ARGV[2]) == 0 then
  return 0
end
local seq = redis.call('INCR', KEYS[3])
snapshotRuleSet(KEYS[1], KEYS[2], seq, 'trial ' .. ARGV[1] .. ' ' .. ARGV[2])
redis.call('PUBLISH', ARGV[4], 'rs-' .. seq)
return seq
