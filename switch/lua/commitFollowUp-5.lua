--[[
  Commits a refund or a reversal of an approved payment atomically: checks the claim,
  checks what may still be refunded or reversed, credits the payer's wallet, updates the
  original's compact state, appends the message to the ingest tap's stream and keeps the
  follow-up's own compact state (includes/paymentState.lua).

  KEYS[1] txn claim key   KEYS[2] original payment state key   KEYS[3] follow-up payment state key
  KEYS[4] payer wallet key   KEYS[5] tap stream
  ARGV[1] claim token held   ARGV[2] done marker   ARGV[3] the tap entry (the event without its status)
  ARGV[4] 'refund' or 'reversal'   ARGV[5] '1' when risk allows it
  ARGV[6] amount minor (original currency; refunds)   ARGV[7] credit minor (wallet currency; refunds)
  ARGV[8] now ms   ARGV[9] reversal deadline ms   ARGV[10] follow-up window ms   ARGV[11] txnId retention ms
  ARGV[12] wallet currency minor digits
  Returns {status, code}: status APPROVED / DECLINED, or REJECTED with a code (nothing written,
  claim released; PAYMENT_NOT_FOUND also once the original's follow-up window has passed;
  SETTLEMENT_ROUNDS_TO_ZERO when the credit would be less than a minor unit), or LOST_CLAIM.
]]
--@include paymentState
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {'LOST_CLAIM', ''}
end
local function reject(code)
  redis.call('DEL', KEYS[1])
  return {'REJECTED', code}
end
local packed = redis.call('GET', KEYS[2])
if not packed then return reject('PAYMENT_NOT_FOUND') end
local original = unpackState(packed)
if not original.approved then return reject('ORIGINAL_NOT_APPROVED') end
if original.reversed then return reject('ALREADY_REVERSED') end
local amount, settle = original.amount, original.settle
local refunded, refundedSettle = original.refunded, original.refundedSettle
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
  local reversed = '0'
  if ARGV[4] == 'reversal' then
    reversed = '1'
  else
    refunded, refundedSettle = refunded + creditAmount, refundedSettle + creditSettle
  end
  -- The original keeps the rest of its window.
  redis.call('SET', KEYS[2], packState('A', string.format('%d', amount), string.format('%d', settle),
    string.format('%d', refunded), string.format('%d', refundedSettle), reversed, original.entry), 'KEEPTTL')
end
-- The credit may be a minor unit less than asked (rounding of partial refunds): stream what was credited.
local digits = tonumber(ARGV[12])
local credited = string.format('%0' .. (digits + 1) .. 'd', creditSettle)
if digits > 0 then
  credited = string.sub(credited, 1, -digits - 1) .. '.' .. string.sub(credited, -digits)
end
local entry = redis.call('XADD', KEYS[5], '*', 'e', ARGV[3], 's', status, 'd', code, 'v', credited)
redis.call('SET', KEYS[3], packState(status, string.format('%d', creditAmount), string.format('%d', creditSettle),
  '0', '0', '0', entry), 'PX', ARGV[10])
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[11])
return {status, code}
