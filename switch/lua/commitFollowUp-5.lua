--[[
  Commits a refund or a reversal of an approved payment atomically: checks the claim,
  checks what may still be refunded or reversed, credits the payer's wallet, stores the
  follow-up, updates the original and appends the message to the ingest tap's stream.

  KEYS[1] txn claim key   KEYS[2] original payment key   KEYS[3] follow-up payment key
  KEYS[4] payer wallet key   KEYS[5] tap stream
  ARGV[1] claim token held   ARGV[2] done marker   ARGV[3] record JSON
  ARGV[4] 'refund' or 'reversal'   ARGV[5] '1' when risk allows it
  ARGV[6] amount minor (original currency; refunds)   ARGV[7] credit minor (wallet currency; refunds)
  ARGV[8] now ms   ARGV[9] reversal deadline ms   ARGV[10] retention ms   ARGV[11] txnId retention ms
  ARGV[12] wallet currency minor digits; ARGV[3] is also the tap entry (the event without its status)
  Returns {status, code}: status APPROVED / DECLINED, or REJECTED with a code (nothing written,
  claim released; SETTLEMENT_ROUNDS_TO_ZERO when the credit would be less than a minor unit),
  or LOST_CLAIM.
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {'LOST_CLAIM', ''}
end
local function reject(code)
  redis.call('DEL', KEYS[1])
  return {'REJECTED', code}
end
local original = redis.call('HMGET', KEYS[2], 'status', 'amountMinor', 'settleMinor',
  'refundedMinor', 'refundedSettleMinor', 'reversed')
if not original[1] then return reject('PAYMENT_NOT_FOUND') end
if original[1] ~= 'APPROVED' then return reject('ORIGINAL_NOT_APPROVED') end
if original[6] == '1' then return reject('ALREADY_REVERSED') end
local amount = tonumber(original[2])
local settle = tonumber(original[3])
local refunded = tonumber(original[4])
local refundedSettle = tonumber(original[5])
local creditAmount, creditSettle
if ARGV[4] == 'reversal' then
  if refunded > 0 then return reject('ALREADY_REFUNDED') end
  if tonumber(ARGV[8]) > tonumber(ARGV[9]) then return reject('REVERSAL_WINDOW_CLOSED') end
  creditAmount, creditSettle = amount, settle
else
  creditAmount = tonumber(ARGV[6])
  if refunded + creditAmount > amount then return reject('REFUND_EXCEEDS_PAYMENT') end
  -- Rounding of partial refunds must never credit more than was debited.
  creditSettle = math.min(tonumber(ARGV[7]), settle - refundedSettle)
  if refunded + creditAmount == amount then creditSettle = settle - refundedSettle end
end
-- The wallet is credited at least one minor unit, or the message is refused: nothing is moved.
if creditSettle <= 0 then return reject('SETTLEMENT_ROUNDS_TO_ZERO') end
local status, code = 'DECLINED', 'RISK_DECLINED'
if ARGV[5] == '1' then
  status, code = 'APPROVED', ''
  redis.call('HINCRBY', KEYS[4], 'balance', string.format('%d', creditSettle))
  if ARGV[4] == 'reversal' then
    redis.call('HSET', KEYS[2], 'reversed', '1')
  else
    redis.call('HSET', KEYS[2], 'refundedMinor', string.format('%d', refunded + creditAmount),
      'refundedSettleMinor', string.format('%d', refundedSettle + creditSettle))
  end
end
redis.call('HSET', KEYS[3], 'record', ARGV[3], 'status', status, 'declineCode', code,
  'amountMinor', string.format('%d', creditAmount), 'settleMinor', string.format('%d', creditSettle),
  'refundedMinor', '0', 'refundedSettleMinor', '0', 'reversed', '0')
redis.call('PEXPIRE', KEYS[3], ARGV[10])
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[11])
-- The credit may be a minor unit less than asked (rounding of partial refunds): stream what was credited.
local digits = tonumber(ARGV[12])
local credited = string.format('%0' .. (digits + 1) .. 'd', creditSettle)
if digits > 0 then
  credited = string.sub(credited, 1, -digits - 1) .. '.' .. string.sub(credited, -digits)
end
redis.call('XADD', KEYS[5], '*', 'e', ARGV[3], 's', status, 'd', code, 'v', credited)
return {status, code}
