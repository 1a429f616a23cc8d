-- An authorisation's one call before its decision: the signed request's nonce, accepted once;
-- only for a fresh nonce, one request of its participant's budget; only within the budget, the
-- txnId's claim (or, to look it up only, what holds it). A replay spends nothing, a request
-- over the budget claims nothing.
-- KEYS[1]: the nonce; KEYS[2]: the participant's counter of this window; KEYS[3]: the claim,
-- txn:<participant>:<txnId>.
-- ARGV[1]: how long the nonce is remembered, ms; ARGV[2]: the window length, ms; ARGV[3]: the
-- participant's requests allowed per window; ARGV[4]: this attempt's claim (P|hash|token), or
-- '' to look up only; ARGV[5]: how long an unfinished claim holds, ms.
-- Returns {'NONCE_REUSED'}, {'OVER_BUDGET'}, {'CLAIMED'}, {'HELD', what holds it} or {'FREE'}.
if not redis.call('SET', KEYS[1], '1', 'PX', ARGV[1], 'NX') then return {'NONCE_REUSED'} end
local count = redis.call('INCR', KEYS[2])
if count == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
if count > tonumber(ARGV[3]) then return {'OVER_BUDGET'} end
if ARGV[4] ~= '' and redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[5], 'NX') then return {'CLAIMED'} end
local current = redis.call('GET', KEYS[3])
if not current then return {'FREE'} end
return {'HELD', current}
