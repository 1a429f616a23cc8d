--[[
  A second officer approves a submitted change set to go live at a later time: it waits as
  `scheduled` (its claims kept, so no other set changes its rules meanwhile) until the
  activation job makes it live (approveChangeSet-6, `scheduled`), once.

  KEYS[1] the change set changeset:{id}
  ARGV[1] approver  ARGV[2] at ms  ARGV[3] activate at ms
  Returns {'ok'} or {'error', code, detail}.
]]
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'error', 'CHANGE_SET_NOT_FOUND', ''} end
if state ~= 'submitted' then return {'error', 'CHANGE_SET_ILLEGAL_TRANSITION', state} end
if redis.call('HGET', KEYS[1], 'author') == ARGV[1] then return {'error', 'FOUR_EYES_REQUIRED', ''} end
redis.call('HSET', KEYS[1], 'state', 'scheduled', 'approvedBy', ARGV[1], 'approvedAt', ARGV[2], 'activateAt', ARGV[3], 'updatedAt', ARGV[2])
return {'ok'}
