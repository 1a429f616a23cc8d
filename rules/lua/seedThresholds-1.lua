--[[
  Seeds the decision thresholds from a node's configuration when Redis holds none: from then
  on only an approved change set changes them (rules/change-sets.ts).
  KEYS[1] risk:thresholds   ARGV[1] review   ARGV[2] decline
  Returns 1 when this call seeded them, else 0.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'review', ARGV[1], 'decline', ARGV[2])
return 1
