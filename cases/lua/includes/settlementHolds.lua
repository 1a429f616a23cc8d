-- Settlement holds (domain/settlement-hold.ts names the same keys): a case's set of the
-- payments it holds (case:{id}:held), the case holding each payment (settlement:holdcase) and
-- each release (settlement:released), written with the case's change that causes them.
local function holdSettlement(caseId, paymentId)
  redis.call('SADD', 'case:' .. caseId .. ':held', paymentId)
  redis.call('HSET', 'settlement:holdcase', paymentId, caseId)
end

-- Releases the given payments of a case (each held in it: the caller checked), or every one
-- it holds when `ids` is empty; returns the ids released.
local function releaseSettlements(caseId, ids, actor, at, note)
  local heldKey = 'case:' .. caseId .. ':held'
  if #ids == 0 then ids = redis.call('SMEMBERS', heldKey) end
  table.sort(ids)
  for _, id in ipairs(ids) do
    redis.call('SREM', heldKey, id)
    redis.call('HDEL', 'settlement:holdcase', id)
    redis.call('HSET', 'settlement:released', id, cjson.encode({ at = tonumber(at), by = actor, caseId = caseId, note = note }))
  end
  return ids
end
