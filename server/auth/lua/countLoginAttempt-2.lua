-- One login attempt, counted before its password is verified, against the username (KEYS[1])
-- and the client address (KEYS[2]): each a hash { attempts, refused } that lives one window
-- from its first attempt. Checked and counted in one step, so parallel attempts cannot all
-- pass a check made before any of them was counted. A refused attempt costs no scrypt and
-- spends nothing; it is only counted as refused.
-- ARGV[1]: the username's limit; ARGV[2]: the address's limit; ARGV[3]: the window, ms.
-- Returns { 0 } when admitted, else { 1 (username) or 2 (address), refusals of that key in
-- its window (this one included), ms until its window ends }.
local limits = { tonumber(ARGV[1]), tonumber(ARGV[2]) }
for i = 1, 2 do
  local attempts = tonumber(redis.call('HGET', KEYS[i], 'attempts') or '0')
  if attempts >= limits[i] then
    local refused = redis.call('HINCRBY', KEYS[i], 'refused', 1)
    return { i, refused, redis.call('PTTL', KEYS[i]) }
  end
end
for i = 1, 2 do
  redis.call('HINCRBY', KEYS[i], 'attempts', 1)
  if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
end
return { 0 }
