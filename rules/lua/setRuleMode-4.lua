--[[
  Switches one rule to enforce, shadow or off without a new rule version; a real change
  bumps the rule-set version and announces it.
  KEYS[1] risk:rules:current   KEYS[2] risk:rules:mode   KEYS[3] risk:rules:versions (unused, declared for symmetry)
  KEYS[4] risk:rules:seq
  ARGV[1] rule id   ARGV[2] mode   ARGV[3] channel
  Returns {rule-set sequence (0 when nothing changed), previous mode, current version}, or -1 for an unknown rule.
]]
--@include snapshotRuleSet
local version = redis.call('HGET', KEYS[1], ARGV[1])
if not version then return -1 end
local previous = redis.call('HGET', KEYS[2], ARGV[1]) or 'off'
if previous == ARGV[2] then return {0, previous, tonumber(version)} end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local seq = redis.call('INCR', KEYS[4])
snapshotRuleSet(KEYS[1], KEYS[2], seq, 'mode ' .. ARGV[1])
redis.call('PUBLISH', ARGV[3], 'rs-' .. seq)
return {seq, previous, tonumber(version)}
