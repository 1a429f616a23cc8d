--[[
  Records what was decided about one message, after the ledger's commit in the same
  pipeline: reads the committed status from the payment hash and, only when APPROVED,
  adds a payment's amount to the velocity amounts, the payer profile (count, sum, sum of
  squares, maximum), the last location and the near-threshold count, and the merchant's
  sales; an approved refund or reversal counts as a refund for payer and merchant.
  Marks the payment hash so a repeated call records nothing twice.

  KEYS[1] payment hash        payment:{paymentId}
  KEYS[2..6] velocity hashes  payer, device, ip, merchant, pair (as in gatherRiskFacts)
  KEYS[7] payer profile       KEYS[8] merchant profile
  ARGV[1] time ms (the message's receipt)   ARGV[2] payment | refund | reversal
  ARGV[3] amount in US cents   ARGV[4] '1' has device   ARGV[5] '1' has IP
  ARGV[6] '1' near the large-value threshold   ARGV[7] lat   ARGV[8] lon ('' without location)
  Returns 1 when something was recorded, 0 otherwise.
]]
--@include windows

if redis.call('HGET', KEYS[1], 'status') ~= 'APPROVED' then return 0 end
if redis.call('HSETNX', KEYS[1], 'riskRecorded', '1') == 0 then return 0 end

local t = tonumber(ARGV[1])
local cents = tonumber(ARGV[3])

if ARGV[2] ~= 'payment' then
  addProfile(KEYS[7], PAYER_PROFILE, t, {r = 1})
  addProfile(KEYS[8], MERCHANT_PROFILE, t, {r = 1})
  return 1
end

local near = ARGV[6] == '1' and 1 or nil
velocity(KEYS[2], PAYER_RINGS, t, nil, cents, near, true)
if ARGV[4] == '1' then velocity(KEYS[3], DEVICE_RINGS, t, nil, cents, nil, true) end
if ARGV[5] == '1' then velocity(KEYS[4], DEVICE_RINGS, t, nil, cents, nil, true) end
velocity(KEYS[5], PLAIN_RINGS, t, nil, cents, nil, true)
velocity(KEYS[6], PLAIN_RINGS, t, nil, cents, nil, true)

local usd = cents / 100
local location = nil
if ARGV[7] ~= '' and ARGV[8] ~= '' then location = {'lat', ARGV[7], 'lon', ARGV[8], 'at', ARGV[1]} end
addProfile(KEYS[7], PAYER_PROFILE, t, {n = 1, s = cents, q = usd * usd, m = cents}, location)
addProfile(KEYS[8], MERCHANT_PROFILE, t, {n = 1})
return 1
