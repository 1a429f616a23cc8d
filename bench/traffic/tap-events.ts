import type { TapEvent } from '../../domain/transaction.ts';

/** A plausible transaction event, as the switch would tap it, for feeding the stream directly. */
export function sampleEvent(i: number, at = Date.now()): TapEvent {
  return {
    paymentId: `pay_test${String(i).padStart(10, '0')}`,
    messageType: 'payment',
    participant: i % 2 ? 'siam-wallet' : 'panda-wallet',
    participantKind: i % 2 ? 'overseas_wallet' : 'domestic_wallet',
    initiator: i % 2 ? 'siam-wallet' : 'panda-wallet',
    txnId: `t-${i}`,
    direction: i % 2 ? 'inbound' : 'outbound',
    corridor: i % 2 ? 'TH-CN' : 'CN-SG',
    payer: { walletId: `w-${i % 50}`, deviceId: `d-${i % 70}`, ip: '203.0.113.1', country: 'TH', location: { lat: 13.7, lon: 100.5 } },
    merchant: { id: 'm-cn-0001', name: 'Jade Garden Restaurant', mcc: '5812', country: 'CN', city: 'Shanghai', acquirer: 'huaxia-acquiring', network: 'unionpay' },
    amount: { value: '10.00', currency: 'CNY' },
    amountUsd: '1.40',
    settlement: { value: '50.28', currency: 'THB', fxRate: '5.02808989' },
    receivedAt: at,
    risk: { score: 0, decision: 'approve', reasons: [], ruleSetVersion: 'test', shadowHits: [] },
    riskLatencyUs: 5,
    switchLatencyUs: 300,
    decidedAt: at,
  };
}
