--[[
  A second officer approves a submitted change set and its changes go live at once (`now`),
  or a set approved for later goes live at its time (`scheduled`), or an admin makes a set not
  yet applied live at once alone (`emergency`: marked so, to be ratified by a second officer
  within 24 hours): as one new rule-set
  version announced on the rules channel, every rule it writes at its next version, every
  mode it sets set. The rules must still be at the versions the set was drafted against (its
  base): a scheduled set that finds them moved is marked `stale` and nothing goes live. Its
  claims are released either way.

  KEYS[1] risk:rules:current   KEYS[2] risk:rules:mode   KEYS[3] risk:rules:versions   KEYS[4] risk:rules:seq
  KEYS[5] the change set changeset:{id}   KEYS[6] changesets:claims
  ARGV[1] channel  ARGV[2] approver ('' for `scheduled`)  ARGV[3] at ms  ARGV[4] change set id
  ARGV[5] 'now' | 'scheduled' | 'emergency'
  ARGV[6..] per change: kind ('put' | 'mode' | 'thresholds' | 'list'), rule id ('@thresholds', '@list:<list>'),
    rule JSON ('' for a mode; the thresholds' fields as JSON; the staged generation), mode ('' for the thresholds; the lists channel)
  The thresholds are the hash risk:thresholds (review, decline, and the policy's deadlineMs,
  fallbackApproveBelowUsd, fallbackOtherwise once set: fields a change leaves out stay); their base is "review/decline".
  A list's base is its live generation (risk:typedlist:<list> field gen); it goes live by pointing
  the list at the generation the set staged, announced on the lists channel.
  Returns {'ok', rule-set sequence, the keys of the generations replaced...} or {'error', code, detail}.
]]
--@include snapshotRuleSet
local state = redis.call('HGET', KEYS[5], 'state')
if not state then return {'error', 'CHANGE_SET_NOT_FOUND', ''} end
local scheduled = ARGV[5] == 'scheduled'
local emergency = ARGV[5] == 'emergency'
if scheduled then
  if state ~= 'scheduled' then return {'error', 'CHANGE_SET_ILLEGAL_TRANSITION', state} end
elseif emergency then
  if state ~= 'draft' and state ~= 'returned' and state ~= 'submitted' then return {'error', 'CHANGE_SET_ILLEGAL_TRANSITION', state} end
else
  if state ~= 'submitted' then return {'error', 'CHANGE_SET_ILLEGAL_TRANSITION', state} end
  if redis.call('HGET', KEYS[5], 'author') == ARGV[2] then return {'error', 'FOUR_EYES_REQUIRED', ''} end
end
local function release()
  for _, ruleId in ipairs(cjson.decode(redis.call('HGET', KEYS[5], 'ruleIds') or '[]')) do
    if redis.call('HGET', KEYS[6], ruleId) == ARGV[4] then redis.call('HDEL', KEYS[6], ruleId) end
  end
end
-- Refuses the set as stale: a scheduled one is marked so (and its claims released), as nothing of it can ever go live.
local function stale(why)
  if scheduled then
    redis.call('HSET', KEYS[5], 'state', 'stale', 'comment', why, 'updatedAt', ARGV[3])
    release()
  end
  return {'error', 'CHANGE_SET_STALE', why}
end
local base = cjson.decode(redis.call('HGET', KEYS[5], 'base') or '{}')
for ruleId, version in pairs(base) do
  local live, expected
  if ruleId == '@thresholds' then
    local t = redis.call('HMGET', 'risk:thresholds', 'review', 'decline')
    live, expected = (t[1] and t[2]) and (t[1] .. '/' .. t[2]) or '', tostring(version)
  elseif string.sub(ruleId, 1, 6) == '@list:' then
    live, expected = tonumber(redis.call('HGET', 'risk:typedlist:' .. string.sub(ruleId, 7), 'gen') or '0'), tonumber(version)
  else
    live, expected = tonumber(redis.call('HGET', KEYS[1], ruleId) or '0'), tonumber(version)
  end
  if live ~= expected then return stale(ruleId .. ' is at version ' .. live .. ', the set was drafted against ' .. version) end
end
-- A staged list that expired (a set left far longer than any schedule) cannot go live.
for i = 6, #ARGV, 4 do
  if ARGV[i] == 'list' and redis.call('EXISTS', 'risk:typedlist:' .. string.sub(ARGV[i + 1], 7) .. ':g' .. ARGV[i + 2]) == 0 then
    return stale('the list ' .. string.sub(ARGV[i + 1], 7) .. ' it staged is no longer kept')
  end
end
local replaced = {}
for i = 6, #ARGV, 4 do
  local kind, ruleId, json, mode = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  if kind == 'list' then
    local list = string.sub(ruleId, 7)
    local meta = 'risk:typedlist:' .. list
    local old = redis.call('HGET', meta, 'gen')
    redis.call('HSET', meta, 'gen', json)
    redis.call('PERSIST', meta .. ':g' .. json)
    if old and old ~= '0' and old ~= json then replaced[#replaced + 1] = meta .. ':g' .. old end
    redis.call('PUBLISH', mode, 'typed:' .. list)
  elseif kind == 'thresholds' then
    for field, value in pairs(cjson.decode(json)) do redis.call('HSET', 'risk:thresholds', field, tostring(value)) end
  else
    if kind == 'put' then
      local version = tonumber(redis.call('HGET', KEYS[1], ruleId) or '0') + 1
      redis.call('HSET', KEYS[3], ruleId .. '#' .. version, json)
      redis.call('HSET', KEYS[1], ruleId, version)
    end
    redis.call('HSET', KEYS[2], ruleId, mode)
  end
end
release()
-- Its shadow period, if one runs, ends with it: the same version stops the trial and makes the rules live.
redis.call('HDEL', 'risk:rules:trials', ARGV[4])
local seq = redis.call('INCR', KEYS[4])
snapshotRuleSet(KEYS[1], KEYS[2], seq, 'change set ' .. ARGV[4])
redis.call('HSET', KEYS[5], 'state', 'applied', 'appliedAt', ARGV[3], 'ruleSetVersion', 'rs-' .. seq, 'updatedAt', ARGV[3])
if emergency then
  redis.call('HSET', KEYS[5], 'emergency', '1', 'activatedBy', ARGV[2], 'ratifyBy', tostring(tonumber(ARGV[3]) + 86400000))
elseif not scheduled then
  redis.call('HSET', KEYS[5], 'approvedBy', ARGV[2], 'approvedAt', ARGV[3])
end
redis.call('PUBLISH', ARGV[1], 'rs-' .. seq)
return {'ok', seq, unpack(replaced)}
