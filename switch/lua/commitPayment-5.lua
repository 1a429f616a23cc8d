--[[
  Commits one authorised payment atomically: checks the caller still holds the txnId
  claim, asks the simulated issuer (opening balance, per-payment and daily limits),
  debits the wallet, appends the message to the ingest tap's stream (so an acknowledged
  payment is always in the stream), keeps the payment's compact state for its follow-up
  window and marks the txnId done. The full record is only in the stream entry; the
  compact state names that entry (includes/paymentState.lua).

  KEYS[1] txn claim key       txn:{participant}:{txnId}
  KEYS[2] payment state key   paystate:{paymentId}
  KEYS[3] wallet key          wallet:{participant}:{walletId}
  KEYS[4] wallet day key      walletday:{participant}:{walletId}:{yyyymmdd}
  KEYS[5] tap stream
  ARGV[1] claim token held    ARGV[2] done marker
  ARGV[3] the tap entry (the event without its status)
  ARGV[4] '1' when risk allows the payment
  ARGV[5] settlement minor units (integer string, wallet currency)
  ARGV[6] opening balance     ARGV[7] per-payment limit   ARGV[8] daily limit (minor units)
  ARGV[9] follow-up window ms   ARGV[10] txnId retention ms   ARGV[11] day key ttl ms
  ARGV[12] original amount minor units
  Returns {status, declineCode} or {'LOST_CLAIM', ''}.
]]
--@include paymentState
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {'LOST_CLAIM', ''}
end
local status = 'DECLINED'
local code = ''
if ARGV[4] ~= '1' then
  code = 'RISK_DECLINED'
else
  local amount = tonumber(ARGV[5])
  local balance = redis.call('HGET', KEYS[3], 'balance')
  if not balance then
    balance = ARGV[6]
    redis.call('HSET', KEYS[3], 'balance', balance)
  end
  local spent = tonumber(redis.call('GET', KEYS[4]) or '0')
  if amount > tonumber(ARGV[7]) then
    code = 'ISSUER_LIMIT_PER_PAYMENT'
  elseif spent + amount > tonumber(ARGV[8]) then
    code = 'ISSUER_LIMIT_DAILY'
  elseif tonumber(balance) < amount then
    code = 'INSUFFICIENT_FUNDS'
  else
    redis.call('HINCRBY', KEYS[3], 'balance', '-' .. ARGV[5])
    redis.call('INCRBY', KEYS[4], ARGV[5])
    redis.call('PEXPIRE', KEYS[4], ARGV[11])
    status = 'APPROVED'
  end
end
local entry = redis.call('XADD', KEYS[5], '*', 'e', ARGV[3], 's', status, 'd', code)
redis.call('SET', KEYS[2], packState(status, ARGV[12], ARGV[5], '0', '0', '0', entry), 'PX', ARGV[9])
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[10])
return {status, code}
