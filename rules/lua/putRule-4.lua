--[[
  Stores a new version of one rule and makes it current, sets its mode, bumps the rule-set
  version and announces it. Versions are never overwritten.
  KEYS[1] risk:rules:current (id -> version)   KEYS[2] risk:rules:mode (id -> mode)
  KEYS[3] risk:rules:versions (id#version -> JSON)   KEYS[4] risk:rules:seq
  ARGV[1] rule id   ARGV[2] rule JSON (without its version)   ARGV[3] mode   ARGV[4] channel
  Returns {version, rule-set sequence}.
]]
--@include snapshotRuleSet
local version = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') + 1
redis.call('HSET', KEYS[3], ARGV[1] .. '#' .. version, ARGV[2])
redis.call('HSET', KEYS[1], ARGV[1], version)
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
local seq = redis.call('INCR', KEYS[4])
snapshotRuleSet(KEYS[1], KEYS[2], seq, 'rule ' .. ARGV[1])
redis.call('PUBLISH', ARGV[4], 'rs-' .. seq)
return {version, seq}
