--[[
  Moves an alert along its lifecycle: open -> acknowledged -> assigned -> resolved.
  A resolved alert stays resolved.

  KEYS[1] alert key
  ARGV[1] action (ack | assign | resolve)   ARGV[2] actor   ARGV[3] at ms
  ARGV[4] assignee (assign)   ARGV[5] disposition (resolve)   ARGV[6] note (resolve)
  Returns {'ok', status} or {'error', code}.
]]
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'error', 'ALERT_NOT_FOUND'} end
if status == 'resolved' then return {'error', 'ALERT_ALREADY_RESOLVED'} end
local action = ARGV[1]
if action == 'ack' then
  if status ~= 'open' then return {'error', 'ALERT_ALREADY_ACKNOWLEDGED'} end
  redis.call('HSET', KEYS[1], 'status', 'acknowledged', 'acknowledgedBy', ARGV[2], 'acknowledgedAt', ARGV[3])
elseif action == 'assign' then
  redis.call('HSET', KEYS[1], 'status', 'assigned', 'assignee', ARGV[4], 'assignedAt', ARGV[3])
  if not redis.call('HGET', KEYS[1], 'acknowledgedAt') then
    redis.call('HSET', KEYS[1], 'acknowledgedBy', ARGV[2], 'acknowledgedAt', ARGV[3])
  end
elseif action == 'resolve' then
  redis.call('HSET', KEYS[1], 'status', 'resolved', 'disposition', ARGV[5], 'note', ARGV[6],
    'resolvedBy', ARGV[2], 'resolvedAt', ARGV[3])
else
  return {'error', 'ALERT_ACTION_UNKNOWN'}
end
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[3])
return {'ok', redis.call('HGET', KEYS[1], 'status')}
