--[[
  Bucketed counters in hashes, no per-event log.

  Velocity: one hash per payer, device, IP, merchant and payer-merchant pair, with ONE
  field `r`: the rings of all four windows ('1m', '10m', '1h', '24h'), packed with
  `struct` as little-endian doubles (exact integers up to 2^53). Each window is a ring of
  8 buckets of W/6: 8 bucket ids, then 8 values per series. Reading sums the buckets
  cur-6 .. cur+1: the last W to W + W/6, plus one bucket ahead for nodes whose clock runs
  slightly fast. Writing to a slot that holds an older bucket resets it: the ring prunes
  itself. One HGET and at most one HSET per entity, one struct.unpack and one
  struct.pack: measured, struct's 'd' format decodes ~100 numbers in ~2 us where
  cmsgpack took ~3 us per 32-number ring, and commands inside a script cost far more
  than Lua arithmetic (every write is also propagated to the AOF).
  Series: c attempts and a approved US cents in every window, plus, only where they are
  read, k small attempts in the 10m ring of devices and IPs and s near-threshold approved
  payments in the 24h ring of payers.

  Profiles: 30 day buckets per series in plain fields <series>:30d:<day>, with running
  totals <series>:30d and lo:30d, the oldest day kept; advance() keeps the totals exact.
]]
local BUCKET_MS = {10000, 100000, 600000, 14400000}
local RING = 8
local SPAN = 6
local VELOCITY_TTL_MS = 30 * 3600 * 1000
local PROFILE_TTL_MS = 32 * 24 * 3600 * 1000

-- Layout of one entity's rings: window i starts at base[i] (ids at base+1..base+8, then
-- series j at base + j*8 + slot); series 3 (the extra one) only in window `extra`.
local function layout(extra)
  local l = {base = {}, n = {}, size = 0, extra = extra}
  for i = 1, 4 do
    l.base[i] = l.size
    l.n[i] = i == extra and 3 or 2
    l.size = l.size + RING * (1 + l.n[i])
  end
  l.fmt = '<' .. string.rep('d', l.size)
  return l
end
local PAYER_RINGS = layout(4)   -- s: near-threshold approved payments, 24h
local DEVICE_RINGS = layout(2)  -- k: small attempts, 10m
local PLAIN_RINGS = layout(0)

--[[
  Reads velocity hash `key` (rings laid out as `L`) at time t; first adds dc attempts,
  da cents and dx to the extra series in the bucket of t, each when given. Unless `quiet`,
  returns sums: [1..4] attempts per window, [5..8] cents per window, [9] the extra series
  in its window. Also returns whether the 1h and the 24h rings started a new bucket. A
  message older than a whole window (its slot already holds a newer bucket) is read but
  not added to that window.
]]
local function velocity(key, L, t, dc, da, dx, quiet)
  local raw = redis.call('HGET', key, 'r')
  local v
  if raw and #raw == L.size * 8 then
    v = {struct.unpack(L.fmt, raw)}
  else
    v = {}
    for i = 1, 4 do
      local base = L.base[i]
      for slot = 1, RING do v[base + slot] = -1 end
      for j = base + RING + 1, base + RING * (1 + L.n[i]) do v[j] = 0 end
    end
    -- A hash from before the packed rings: drop its per-window fields.
    if not raw then redis.call('HDEL', key, '1m', '10m', '1h', '24h') end
  end
  local adding = dc or da or dx
  local changed, new1h, new24h = false, false, false
  local sums = not quiet and {} or nil
  for i = 1, 4 do
    local base = L.base[i]
    local cur = math.floor(t / BUCKET_MS[i])
    local extra = L.n[i] == 3
    if adding then
      local at = base + cur % RING + 1
      local id = v[at]
      if id < cur then
        v[at] = cur
        v[at + RING] = 0
        v[at + 2 * RING] = 0
        if extra then v[at + 3 * RING] = 0 end
        if i == 3 then new1h = true elseif i == 4 then new24h = true end
        id = cur
      end
      if id == cur then
        if dc then v[at + RING] = v[at + RING] + dc end
        if da then v[at + 2 * RING] = v[at + 2 * RING] + da end
        if dx and extra then v[at + 3 * RING] = v[at + 3 * RING] + dx end
        changed = true
      end
    end
    if sums then
      local c, a, x = 0, 0, 0
      local lo, hi = cur - SPAN, cur + 1
      for slot = base + 1, base + RING do
        local id = v[slot]
        if id >= lo and id <= hi then
          c = c + v[slot + RING]
          a = a + v[slot + 2 * RING]
          if extra then x = x + v[slot + 3 * RING] end
        end
      end
      sums[i] = c
      sums[4 + i] = a
      if extra then sums[9] = x end
    end
  end
  if changed then redis.call('HSET', key, 'r', struct.pack(L.fmt, unpack(v, 1, L.size))) end
  -- The 24h ring starts a bucket every 4 hours: refreshing the expiry then is enough.
  if new24h then redis.call('PEXPIRE', key, VELOCITY_TTL_MS) end
  return sums, new1h, new24h
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

-- Adds to profile `key` at time t: add[series] = n ('m' keeps the maximum), and sets the
-- plain fields `also` (a flat name, value list) in the same write. Usually one HMGET (the
-- oldest day and today's fields together) and one HSET; the expiry is refreshed when a
-- new day starts.
local function addProfile(key, series, t, add, also)
  local cur = math.floor(t / DAY_MS)
  local names = {'lo:30d'}
  local kinds = {}
  for s in pairs(add) do
    kinds[#kinds + 1] = s
    names[#names + 1] = s .. ':30d:' .. cur
    names[#names + 1] = s .. ':30d'
  end
  local values = redis.call('HMGET', key, unpack(names))
  local lo = tonumber(values[1])
  local set = {}
  if not lo then
    set[1], set[2] = 'lo:30d', cur - PROFILE_SPAN
  elseif cur - PROFILE_SPAN > lo or cur < lo then
    -- A day left the window (or the message is older than it): the slow path.
    local b = advance(key, t, series, values[1])
    for i, s in ipairs(kinds) do
      names[2 * i] = s .. ':30d:' .. b
    end
    values = redis.call('HMGET', key, unpack(names))
  end
  local newDay = false
  for i, s in ipairs(kinds) do
    local day, total = tonumber(values[2 * i]), tonumber(values[2 * i + 1]) or 0
    if not day then newDay = true end
    day = day or 0
    if s == 'm' then
      day, total = math.max(day, add[s]), math.max(total, add[s])
    else
      day, total = day + add[s], total + add[s]
    end
    set[#set + 1] = names[2 * i]
    set[#set + 1] = day
    set[#set + 1] = names[2 * i + 1]
    set[#set + 1] = total
  end
  if also then
    for i = 1, #also do set[#set + 1] = also[i] end
  end
  redis.call('HSET', key, unpack(set))
  if newDay then redis.call('PEXPIRE', key, PROFILE_TTL_MS) end
end
