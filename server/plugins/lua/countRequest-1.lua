-- One request in a fixed window. KEYS[1] names the caller and the window (its number is in
-- the key), so a counter is never reset: it expires a window length after its first
-- request, which is after its window has ended.
-- ARGV[1]: the window length in ms. Returns the requests counted so far in the window.
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count
