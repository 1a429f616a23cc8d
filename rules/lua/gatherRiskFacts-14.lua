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
local out = {}
local function push(v) out[#out + 1] = tostring(v or 0) end

local ATTEMPT = {c = {['1m'] = 1, ['10m'] = 1, ['1h'] = 1, ['24h'] = 1}}
local SMALL_ATTEMPT = {c = ATTEMPT.c, k = {['10m'] = 1}}

-- Pushes the 8 totals of one entity (counts, then amounts); returns its sums.
local function entity(key, present, series, add, wanted)
  if not present then
    for _ = 1, 8 do push(0) end
    return nil
  end
  local sums = velocity(key, series, t, counting and add or nil, wanted)
  for _, w in ipairs(WINDOW_NAMES) do push(sums[w].c) end
  for _, w in ipairs(WINDOW_NAMES) do push(sums[w].a) end
  return sums
end

local small = ARGV[5] == '1'
local payer = entity(KEYS[1], true, PAYER_SERIES, ATTEMPT, PAYER_READ)
local device = entity(KEYS[2], hasDevice, DEVICE_SERIES, small and SMALL_ATTEMPT or ATTEMPT, DEVICE_READ)
local ip = entity(KEYS[3], hasIp, DEVICE_SERIES, small and SMALL_ATTEMPT or ATTEMPT, DEVICE_READ)
entity(KEYS[4], true, PLAIN_SERIES, ATTEMPT)
entity(KEYS[5], true, PLAIN_SERIES, ATTEMPT)
push(device and device['10m'].k)
push(ip and ip['10m'].k)
push(payer['24h'].s)

-- Distinct counterparts: one zset member per counterpart (not per event), last seen as score.
local DAY = 24 * 3600 * 1000
local function distinct(key, member, windowMs, keepMs)
  if counting then
    redis.call('ZADD', key, 'GT', t, member)
    redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. (t - keepMs))
    redis.call('PEXPIRE', key, keepMs)
  end
  return redis.call('ZCOUNT', key, t - windowMs, '+inf')
end
push(distinct(KEYS[6], ARGV[6], DAY, DAY))
push(distinct(KEYS[7], ARGV[7], 3600 * 1000, 3600 * 1000))
if hasDevice then
  local isNew = counting and not redis.call('ZSCORE', KEYS[8], ARGV[8]) and redis.call('ZCOUNT', KEYS[8], t - 30 * DAY, '+inf') > 0
  push(distinct(KEYS[8], ARGV[8], DAY, 30 * DAY))
  push(isNew and 1 or 0)
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
