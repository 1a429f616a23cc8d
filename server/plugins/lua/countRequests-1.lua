-- A node's requests of one caller in a fixed window, added to the caller's count on every
-- node. KEYS[1] names the caller and the window (its number is in the key), so a counter is
-- never reset: it expires a window length after its first requests, after its window ended.
-- ARGV[1]: the window length in ms; ARGV[2]: requests to add. Returns the window's total.
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if count == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count
