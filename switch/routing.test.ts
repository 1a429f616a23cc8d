import { describe, expect, it } from 'vitest';
import { corridorOf, routeDirection } from './routing.ts';

const HOME = 'CN';

describe('routeDirection: the four flows through the gateway', () => {
  it('routes an overseas wallet paying a merchant in the home market inbound', () => {
    expect(routeDirection('overseas_wallet', 'TH', 'CN', HOME)).toEqual({ ok: true, value: 'inbound' });
  });

  it('routes a home-market wallet paying a merchant abroad outbound', () => {
    expect(routeDirection('domestic_wallet', 'CN', 'TH', HOME)).toEqual({ ok: true, value: 'outbound' });
  });

  it('routes an overseas wallet paying a merchant in another overseas market cross-market', () => {
    expect(routeDirection('overseas_wallet', 'SG', 'TH', HOME)).toEqual({ ok: true, value: 'cross-market' });
  });

  it('routes a Thai wallet paying a Thai merchant local, not cross-market', () => {
    expect(routeDirection('overseas_wallet', 'TH', 'TH', HOME)).toEqual({ ok: true, value: 'local' });
    expect(corridorOf('TH', 'TH')).toBe('TH-TH');
  });

  it('still refuses a home-market wallet at a home-market merchant, and an acquirer as payer', () => {
    const domestic = routeDirection('domestic_wallet', 'CN', 'CN', HOME);
    expect(domestic.ok ? domestic.value : domestic.error.code).toBe('DOMESTIC_PAYMENT_NOT_SUPPORTED');
    const acquirer = routeDirection('acquirer', 'SG', 'TH', HOME);
    expect(acquirer.ok ? acquirer.value : acquirer.error.code).toBe('PARTICIPANT_NOT_A_WALLET');
  });
});
