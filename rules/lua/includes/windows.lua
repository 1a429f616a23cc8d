--[[
  Bucketed counters in hashes, no per-event log.

  Velocity: one hash per payer, device, IP, merchant and payer-merchant pair, one field
  per window ('1m', '10m', '1h', '24h'). A field is a ring of 8 buckets of W/6, packed
  with cmsgpack as { bucket ids [8], then 8 values per series }. Reading sums the buckets
  cur-6 .. cur+1: the last W to W + W/6, plus one bucket ahead for nodes whose clock runs
  slightly fast. Writing to a slot that holds an older bucket resets it: the ring prunes
  itself. One HMGET and one HSET per entity (commands inside a script cost far more than
  Lua arithmetic, and every write is also propagated to the AOF).
  Series: c attempts, a approved US cents, k small attempts (devices, IPs),
  s near-threshold approved payments (payers).

  Profiles: 30 day buckets per series in plain fields <series>:30d:<day>, with running
  totals <series>:30d and lo:30d, the oldest day kept; advance() keeps the totals exact.
]]
local VELOCITY = {{'1m', 10000}, {'10m', 100000}, {'1h', 600000}, {'24h', 14400000}}
local WINDOW_NAMES = {'1m', '10m', '1h', '24h'}
local RING = 8
local SPAN = 6
local VELOCITY_TTL_MS = 30 * 3600 * 1000
local PROFILE_TTL_MS = 32 * 24 * 3600 * 1000

local PAYER_SERIES = {'c', 'a', 's'}
local DEVICE_SERIES = {'c', 'a', 'k'}
local PLAIN_SERIES = {'c', 'a'}
-- What gatherRiskFacts reads of each kind of hash.
local PAYER_READ = {['1m'] = PLAIN_SERIES, ['10m'] = PLAIN_SERIES, ['1h'] = PLAIN_SERIES, ['24h'] = PAYER_SERIES}
local DEVICE_READ = {['1m'] = PLAIN_SERIES, ['10m'] = DEVICE_SERIES, ['1h'] = PLAIN_SERIES, ['24h'] = PLAIN_SERIES}

local function emptyRing(n)
  local r = {}
  for i = 1, RING * (n + 1) do r[i] = 0 end
  for i = 1, RING do r[i] = -1 end
  return r
end

--[[
  Reads velocity hash `key` at time t; when `add` is given (add[series][window] = n),
  first adds to the bucket of t. Unless `quiet`, returns sums[window][series] over the
  live buckets of the series `wanted[window]` lists (all series when nil). A message
  older than a whole window (its slot already holds a newer bucket) is read but not
  added to that window.
]]
local function velocity(key, series, t, add, wanted, quiet)
  local index = {}
  for i, name in ipairs(series) do index[name] = i end
  local rings = redis.call('HMGET', key, unpack(WINDOW_NAMES))
  local sums, set = {}, {}
  local renewed = false
  for i, win in ipairs(VELOCITY) do
    local w = win[1]
    local cur = math.floor(t / win[2])
    local r = rings[i] and cmsgpack.unpack(rings[i]) or emptyRing(#series)
    if add then
      local slot = cur % RING + 1
      if r[slot] < cur then
        r[slot] = cur
        for s = 1, #series do r[s * RING + slot] = 0 end
        if w == '24h' then renewed = true end
      end
      if r[slot] == cur then
        local changed = false
        for name, byWindow in pairs(add) do
          local n = byWindow[w]
          if n then
            local at = index[name] * RING + slot
            r[at] = r[at] + n
            changed = true
          end
        end
        if changed then
          set[#set + 1] = w
          set[#set + 1] = cmsgpack.pack(r)
        end
      end
    end
    if not quiet then
      local total = {}
      for _, name in ipairs(wanted and wanted[w] or series) do
        local s = index[name]
        local sum = 0
        for slot = 1, RING do
          local id = r[slot]
          if id >= cur - SPAN and id <= cur + 1 then sum = sum + r[s * RING + slot] end
        end
        total[name] = sum
      end
      sums[w] = total
    end
  end
  if #set > 0 then redis.call('HSET', key, unpack(set)) end
  -- The 24h ring starts a bucket every 4 hours: refreshing the expiry then is enough.
  if renewed then redis.call('PEXPIRE', key, VELOCITY_TTL_MS) end
  return sums
end

local DAY_MS = 86400000
local PROFILE_SPAN = 30

local function recomputeMax(key, from, to)
  local best = 0
  if from <= to then
    local names = {}
    for i = from, to do names[#names + 1] = 'm:30d:' .. i end
    for _, v in ipairs(redis.call('HMGET', key, unpack(names))) do
      if v and tonumber(v) > best then best = tonumber(v) end
    end
  end
  redis.call('HSET', key, 'm:30d', best)
end

-- Moves the 30-day window of profile `key` to time t: drops the days that left it and
-- subtracts them from the totals. `lo` is lo:30d (false for a new profile).
-- Returns the day bucket of t, never one already dropped.
local function advance(key, t, series, lo)
  local cur = math.floor(t / DAY_MS)
  lo = tonumber(lo)
  if not lo then
    redis.call('HSET', key, 'lo:30d', cur - PROFILE_SPAN)
    return cur
  end
  local newLo = cur - PROFILE_SPAN
  if newLo <= lo then
    if cur < lo then return lo end
    return cur
  end
  local last = math.min(newLo - 1, lo + PROFILE_SPAN)
  for _, s in ipairs(series) do
    local names = {}
    for i = lo, last do names[#names + 1] = s .. ':30d:' .. i end
    if s == 'm' then
      redis.call('HDEL', key, unpack(names))
      recomputeMax(key, newLo, lo + PROFILE_SPAN)
    else
      local sum = 0
      for _, v in ipairs(redis.call('HMGET', key, unpack(names))) do
        if v then sum = sum + tonumber(v) end
      end
      if sum ~= 0 then redis.call('HINCRBYFLOAT', key, s .. ':30d', -sum) end
      redis.call('HDEL', key, unpack(names))
    end
  end
  redis.call('HSET', key, 'lo:30d', newLo)
  return cur
end

local PAYER_PROFILE = {'n', 's', 'q', 'm', 'r'}
local MERCHANT_PROFILE = {'n', 'r'}

-- Adds to profile `key` at time t: add[series] = n ('m' keeps the maximum). One HMGET, one
-- HSET; the expiry is refreshed when a new day starts.
local function addProfile(key, series, t, add)
  local b = advance(key, t, series, redis.call('HGET', key, 'lo:30d'))
  local names = {}
  for s in pairs(add) do
    names[#names + 1] = s .. ':30d:' .. b
    names[#names + 1] = s .. ':30d'
  end
  local values = redis.call('HMGET', key, unpack(names))
  local set = {}
  local newDay = false
  for i = 1, #names, 2 do
    local s = string.sub(names[i], 1, 1)
    local day, total = tonumber(values[i]), tonumber(values[i + 1]) or 0
    if not day then newDay = true end
    day = day or 0
    if s == 'm' then
      day, total = math.max(day, add[s]), math.max(total, add[s])
    else
      day, total = day + add[s], total + add[s]
    end
    set[#set + 1] = names[i]
    set[#set + 1] = day
    set[#set + 1] = names[i + 1]
    set[#set + 1] = total
  end
  redis.call('HSET', key, unpack(set))
  if newDay then redis.call('PEXPIRE', key, PROFILE_TTL_MS) end
end
