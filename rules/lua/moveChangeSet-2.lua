--[[
  Moves a change set along without applying it: submit (its author, from draft or returned,
  with the evidence attached), return (a second officer sends it back with a comment), discard
  (its author, before it is applied: its claims are released), ratify (a set made live in an
  emergency, or by the direct rule routes, approved after the fact by an officer who is neither
  its author nor who made it live).

  KEYS[1] the change set changeset:{id}   KEYS[2] changesets:claims
  ARGV[1] action  ARGV[2] actor  ARGV[3] at ms  ARGV[4] change set id  ARGV[5] evidence JSON (submit) or comment (return)
  Returns {'ok', state} or {'error', code, detail}.
]]
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'error', 'CHANGE_SET_NOT_FOUND', ''} end
local action, actor, at = ARGV[1], ARGV[2], ARGV[3]
local author = redis.call('HGET', KEYS[1], 'author')
if action == 'submit' then
  if state ~= 'draft' and state ~= 'returned' then return {'error', 'CHANGE_SET_ILLEGAL_TRANSITION', state} end
  if author ~= actor then return {'error', 'CHANGE_SET_NOT_AUTHOR', ''} end
  redis.call('HSET', KEYS[1], 'state', 'submitted', 'submittedAt', at, 'evidence', ARGV[5], 'comment', '')
elseif action == 'return' then
  if state ~= 'submitted' then return {'error', 'CHANGE_SET_ILLEGAL_TRANSITION', state} end
  if author == actor then return {'error', 'FOUR_EYES_REQUIRED', ''} end
  redis.call('HSET', KEYS[1], 'state', 'returned', 'comment', ARGV[5])
elseif action == 'ratify' then
  if state ~= 'applied' or redis.call('HGET', KEYS[1], 'emergency') ~= '1' or (redis.call('HGET', KEYS[1], 'approvedBy') or '') ~= '' then
    return {'error', 'CHANGE_SET_ILLEGAL_TRANSITION', 'only a set made live without approval waits for one'}
  end
  if actor == author or actor == redis.call('HGET', KEYS[1], 'activatedBy') then
    return {'error', 'FOUR_EYES_REQUIRED', 'neither its author nor who made it live ratifies it'}
  end
  redis.call('HSET', KEYS[1], 'approvedBy', actor, 'approvedAt', at)
elseif action == 'discard' then
  if state == 'applied' or state == 'discarded' then return {'error', 'CHANGE_SET_ILLEGAL_TRANSITION', state} end
  if author ~= actor then return {'error', 'CHANGE_SET_NOT_AUTHOR', ''} end
  redis.call('HSET', KEYS[1], 'state', 'discarded')
  for _, ruleId in ipairs(cjson.decode(redis.call('HGET', KEYS[1], 'ruleIds') or '[]')) do
    if redis.call('HGET', KEYS[2], ruleId) == ARGV[4] then redis.call('HDEL', KEYS[2], ruleId) end
  end
else
  return {'error', 'CHANGE_SET_ILLEGAL_TRANSITION', action}
end
redis.call('HSET', KEYS[1], 'updatedAt', at)
return {'ok', redis.call('HGET', KEYS[1], 'state')}
