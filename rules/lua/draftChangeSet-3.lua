--[[
  Writes a change set's draft (new, or its changes replaced while it is a draft or sent back)
  and claims the rules it changes: a rule is changed by one open change set at a time, so
  two drafts never edit the same rule version.

  KEYS[1] changesets:claims (rule id -> change set id, while that set is open)
  KEYS[2] the change set   changeset:{id}
  KEYS[3] changesets:index (id by creation time)
  ARGV[1] id  ARGV[2] author  ARGV[3] at ms  ARGV[4] title  ARGV[5] changes JSON  ARGV[6] base JSON
  ARGV[7..] the ids of the rules it changes
  Returns {'ok'} or {'error', code, detail}.
]]
local id, author, at = ARGV[1], ARGV[2], ARGV[3]
local state = redis.call('HGET', KEYS[2], 'state')
if state then
  if state ~= 'draft' and state ~= 'returned' then return {'error', 'CHANGE_SET_ILLEGAL_TRANSITION', state} end
  if redis.call('HGET', KEYS[2], 'author') ~= author then return {'error', 'CHANGE_SET_NOT_AUTHOR', ''} end
end
for i = 7, #ARGV do
  local holder = redis.call('HGET', KEYS[1], ARGV[i])
  if holder and holder ~= id then return {'error', 'CHANGE_SET_CONFLICT', ARGV[i] .. ' is changed by ' .. holder} end
end
-- The rules it no longer changes are free again.
for _, ruleId in ipairs(cjson.decode(redis.call('HGET', KEYS[2], 'ruleIds') or '[]')) do
  if redis.call('HGET', KEYS[1], ruleId) == id then redis.call('HDEL', KEYS[1], ruleId) end
end
local ruleIds = {}
for i = 7, #ARGV do
  redis.call('HSET', KEYS[1], ARGV[i], id)
  ruleIds[#ruleIds + 1] = ARGV[i]
end
if not state then
  redis.call('HSET', KEYS[2], 'id', id, 'author', author, 'state', 'draft', 'createdAt', at, 'submittedAt', '', 'approvedBy', '',
    'approvedAt', '', 'comment', '', 'ruleSetVersion', '', 'evidence', '{}')
  redis.call('ZADD', KEYS[3], at, id)
end
redis.call('HSET', KEYS[2], 'title', ARGV[4], 'changes', ARGV[5], 'base', ARGV[6], 'ruleIds', #ruleIds > 0 and cjson.encode(ruleIds) or '[]', 'updatedAt', at)
return {'ok'}
