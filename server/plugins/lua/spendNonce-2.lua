-- A signed request's nonce, accepted once, and (only when it is fresh) one request of its
-- participant's budget for this window: a replayed request spends nothing.
-- KEYS[1]: the nonce; KEYS[2]: the participant's counter of this window (see countRequest-1.lua).
-- ARGV[1]: how long the nonce is remembered, ms; ARGV[2]: the window length, ms.
-- Returns 0 when the nonce was used before, else the participant's requests in the window.
if not redis.call('SET', KEYS[1], '1', 'PX', ARGV[1], 'NX') then return 0 end
local count = redis.call('INCR', KEYS[2])
if count == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
return count
