--[[
  Gathers every stored fact of one message in one round trip, first counting it as an
  attempt when it is a payment (velocity counts, small-payment counts, distinct sets).
  Approved amounts, the profile and refunds are written later by recordRiskOutcome.

  KEYS[1] payer velocity      risk:v:w:{participant}:{walletId}
  KEYS[2] device velocity     risk:v:d:{participant}:{deviceId}   (unused without a device)
  KEYS[3] ip velocity         risk:v:i:{ip}                       (unused without an IP)
  KEYS[4] merchant velocity   risk:v:m:{merchantId}
  KEYS[5] pair velocity       risk:v:pm:{participant}:{walletId}|{merchantId}
  KEYS[6] payer's merchants   risk:d:pm:{participant}:{walletId}   zset merchant -> last seen
  KEYS[7] merchant's payers   risk:d:mp:{merchantId}               zset payer -> last seen
  KEYS[8] wallet's devices    risk:d:wd:{participant}:{walletId}   zset device -> last seen
  KEYS[9] payer profile       risk:p:w:{participant}:{walletId}
  KEYS[10] merchant profile   risk:p:m:{merchantId}
  KEYS[11..14] lists          risk:list:{sanctioned-countries|high-risk-mccs|blocked-devices|blocked-wallets}
  ARGV[1] time ms   ARGV[2] '1' count it (a payment)   ARGV[3] '1' has device   ARGV[4] '1' has IP
  ARGV[5] '1' small amount   ARGV[6] merchant id   ARGV[7] payer member   ARGV[8] device id
  ARGV[9] payer country   ARGV[10] merchant country   ARGV[11] MCC
  ARGV[12] device list member   ARGV[13] wallet list member

  Returns 62 strings (Lua numbers would be truncated to integers):
  [1..40]  per entity payer, device, ip, merchant, pair: count 1m 10m 1h 24h, amount cents 1m 10m 1h 24h
  [41] device small 10m  [42] ip small 10m  [43] payer near-threshold 24h
  [44] merchants per payer 24h  [45] payers per merchant 1h  [46] devices per wallet 24h  [47] new device
  [48..55] profile: count, sum cents, sum of squares USD^2, max cents, refunds, lat, lon, at
  [56..57] merchant profile: sales, refunds
  [58..62] payer country sanctioned, merchant country sanctioned, MCC high risk, device blocked, wallet blocked
]]
--@include windows

local t = tonumber(ARGV[1])
local counting = ARGV[2] == '1'
local hasDevice = ARGV[3] == '1'
local hasIp = ARGV[4] == '1'
local small = ARGV[5] == '1' and 1 or nil
local out = {}
local n = 0
local function push(v)
  n = n + 1
  out[n] = tostring(v or 0)
end

-- Pushes the 8 totals of one entity (counts, then amounts); returns its sums and whether
-- its 1h and 24h rings started a new bucket.
local function entity(key, present, L, dx)
  if not present then
    for _ = 1, 8 do push(0) end
    return nil, false, false
  end
  local sums, new1h, new24h = velocity(key, L, t, counting and 1 or nil, nil, counting and dx or nil)
  for i = 1, 8 do push(sums[i]) end
  return sums, new1h, new24h
end

local payer, _, payerNewDay = entity(KEYS[1], true, PAYER_RINGS, nil)
local device = entity(KEYS[2], hasDevice, DEVICE_RINGS, small)
local ip = entity(KEYS[3], hasIp, DEVICE_RINGS, small)
local _, merchantNewHour = entity(KEYS[4], true, PLAIN_RINGS, nil)
entity(KEYS[5], true, PLAIN_RINGS, nil)
push(device and device[9])
push(ip and ip[9])
push(payer[9])

--[[
  Distinct counterparts: one zset member per counterpart (not per event), last seen as
  score. The set grows only when a member is added: it is pruned then, and its expiry set
  to the look-back plus one bucket of the owner's velocity ring. That expiry is also
  refreshed whenever that ring starts a new bucket (`renew`), so a key always outlives
  its last attempt by the look-back, without a PEXPIRE per payment.
  Returns the count over the window and whether the member was new.
]]
local DAY = 24 * 3600 * 1000
local HOUR = 3600 * 1000
local function distinct(key, member, windowMs, keepMs, slackMs, renew)
  local added = false
  if counting then
    added = redis.call('ZADD', key, 'GT', t, member) == 1
    if added then redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. (t - keepMs)) end
    if added or renew then redis.call('PEXPIRE', key, keepMs + slackMs) end
  end
  return redis.call('ZCOUNT', key, t - windowMs, '+inf'), added
end
push((distinct(KEYS[6], ARGV[6], DAY, DAY, BUCKET_MS[4], payerNewDay)))
push((distinct(KEYS[7], ARGV[7], HOUR, HOUR, BUCKET_MS[3], merchantNewHour)))
if hasDevice then
  local count, added = distinct(KEYS[8], ARGV[8], DAY, 30 * DAY, BUCKET_MS[4], payerNewDay)
  push(count)
  -- New: not seen before, while the wallet used another device in the last 30 days (the
  -- set was just pruned to them).
  push((added and redis.call('ZCARD', KEYS[8]) > 1) and 1 or 0)
else
  push(redis.call('ZCOUNT', KEYS[8], t - DAY, '+inf'))
  push(0)
end

-- Profiles: old days leave the totals first (only recordRiskOutcome creates a profile).
local p = redis.call('HMGET', KEYS[9], 'lo:30d', 'n:30d', 's:30d', 'q:30d', 'm:30d', 'r:30d', 'lat', 'lon', 'at')
if p[1] and math.floor(t / DAY_MS) - PROFILE_SPAN > tonumber(p[1]) then
  advance(KEYS[9], t, PAYER_PROFILE, p[1])
  p = redis.call('HMGET', KEYS[9], 'lo:30d', 'n:30d', 's:30d', 'q:30d', 'm:30d', 'r:30d', 'lat', 'lon', 'at')
end
for i = 2, 6 do push(p[i]) end
push(p[7] or '')
push(p[8] or '')
push(p[9] or '')
local m = redis.call('HMGET', KEYS[10], 'lo:30d', 'n:30d', 'r:30d')
if m[1] and math.floor(t / DAY_MS) - PROFILE_SPAN > tonumber(m[1]) then
  advance(KEYS[10], t, MERCHANT_PROFILE, m[1])
  m = redis.call('HMGET', KEYS[10], 'lo:30d', 'n:30d', 'r:30d')
end
push(m[2])
push(m[3])

local countries = redis.call('SMISMEMBER', KEYS[11], ARGV[9], ARGV[10])
push(countries[1])
push(countries[2])
push(redis.call('SISMEMBER', KEYS[12], ARGV[11]))
push(hasDevice and redis.call('SISMEMBER', KEYS[13], ARGV[12]) or 0)
push(redis.call('SISMEMBER', KEYS[14], ARGV[13]))
return out
