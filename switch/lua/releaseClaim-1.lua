-- Gives a txnId claim back, only if it is still the one this attempt holds: a GET then a
-- DEL from the client could delete a claim another attempt took (or a done record) in
-- between. KEYS[1]: the claim (txn:<participant>:<txnId>); ARGV[1]: the attempt's value.
-- Returns 1 when it was given back, 0 when the key holds something else or nothing.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
