-- Takes back one attempt counted by countLoginAttempt-2.lua whose password proved right (or
-- was never verified): a success neither counts against the limit nor resets it, so an
-- operator may log in as often as it likes while a burst of guesses stays counted.
-- KEYS[1]: the username's hash; KEYS[2]: the address's. Never below zero, never past a
-- window's end (an expired hash is not brought back). A hash left with nothing counted is
-- deleted: a flood of random usernames refused for want of a scrypt slot leaves no keys.
for i = 1, 2 do
  local attempts = tonumber(redis.call('HGET', KEYS[i], 'attempts') or '0')
  if attempts > 0 then
    attempts = redis.call('HINCRBY', KEYS[i], 'attempts', -1)
    if attempts == 0 and not redis.call('HGET', KEYS[i], 'refused') then redis.call('DEL', KEYS[i]) end
  end
end
return 0
