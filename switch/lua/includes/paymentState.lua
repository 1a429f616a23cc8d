-- A payment's compact state, one string short enough for Redis to keep beside its key
-- object (embstr, up to 44 bytes): status letter, amount, settlement, refunded amount,
-- refunded settlement (minor units), reversed flag, and the id of its tap stream entry,
-- which holds everything else. switch/payment-state.ts reads and writes the same layout.
local function packState(status, amount, settle, refunded, refundedSettle, reversed, entry)
  return string.sub(status, 1, 1) .. '|' .. amount .. '|' .. settle .. '|' .. refunded .. '|' ..
    refundedSettle .. '|' .. reversed .. '|' .. entry
end
local function unpackState(packed)
  local status, amount, settle, refunded, refundedSettle, reversed, entry =
    string.match(packed, '^(%u)|(%d+)|(%d+)|(%d+)|(%d+)|([01])|(.+)$')
  return {
    approved = status == 'A', amount = tonumber(amount), settle = tonumber(settle),
    refunded = tonumber(refunded), refundedSettle = tonumber(refundedSettle),
    reversed = reversed == '1', entry = entry,
  }
end
