--[[
  Makes a stored version of a screening list the live one and announces it, only forward:
  mode "newer" moves the pointer when the version is above the live one (two concurrent
  uploads end on the later number), mode "first" only when the list has no live version
  yet (nodes starting together with the same config file seed it once).
  KEYS[1] screening:lists:live (name -> version)
  ARGV[1] list name   ARGV[2] version   ARGV[3] mode   ARGV[4] channel   ARGV[5] announcement
  Returns {1 if promoted else 0, the live version afterwards}.
]]
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local version = tonumber(ARGV[2])
if (ARGV[3] == 'first' and current > 0) or version <= current then
  return {0, current}
end
redis.call('HSET', KEYS[1], ARGV[1], version)
redis.call('PUBLISH', ARGV[4], ARGV[5])
return {1, version}
