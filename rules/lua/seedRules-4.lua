--[[
  Seeds the default rule pack as version 1 of each rule, only when no rule is stored yet
  (several processes may start at once: exactly one seeds).
  KEYS[1] risk:rules:current   KEYS[2] risk:rules:mode   KEYS[3] risk:rules:versions   KEYS[4] risk:rules:seq
  ARGV[1] channel, then (id, JSON without version, mode) per rule.
  Returns the rule-set sequence, or 0 when rules were already there.
]]
--@include snapshotRuleSet
if redis.call('HLEN', KEYS[1]) > 0 then return 0 end
for i = 2, #ARGV, 3 do
  redis.call('HSET', KEYS[3], ARGV[i] .. '#1', ARGV[i + 1])
  redis.call('HSET', KEYS[1], ARGV[i], 1)
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 2])
end
local seq = redis.call('INCR', KEYS[4])
snapshotRuleSet(KEYS[1], KEYS[2], seq, 'seed')
redis.call('PUBLISH', ARGV[1], 'rs-' .. seq)
return seq
