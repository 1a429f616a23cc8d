import type { SwitchedMessage } from '../../domain/transaction.ts';
import { testMessage, T0 } from './messages.ts';

/**
 * Ordinary cross-border traffic: tourists paying everyday merchants in the city they
 * visit, from their own phone, a few times a day, amounts log-normal around USD 25
 * (restaurants, shops, attractions), in the afternoon and evening. Deterministic.
 */

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WALLETS = [
  { participant: 'siam-wallet', country: 'TH' },
  { participant: 'merlion-pay', country: 'SG' },
  { participant: 'hangang-pay', country: 'KR' },
] as const;
const CITIES = [
  { lat: 31.2304, lon: 121.4737 }, // Shanghai
  { lat: 39.9042, lon: 116.4074 }, // Beijing
  { lat: 22.5431, lon: 114.0579 }, // Shenzhen
];
const ORDINARY_MCCS = ['5812', '5814', '5499', '5311', '5699', '5912', '7991', '5977'];
/** Everyday names of the corridors' payers, in the scripts their wallets hold them in; some share a token with a listed party (Kim, Lee, Wang, Chen). */
const PAYER_NAMES = [
  'Somchai Jaidee', 'สมชาย ใจดี', 'Siriporn Thongdee', 'Tan Wei Ming', '陈伟明', 'Lim Mei Ling', 'Kim Min-jun', '김민준',
  'Lee Ji-eun', '이지은', 'Park Seo-yeon', 'Wang Wei', '王伟', 'Chen Jing', 'Nurul Aisyah', 'Siti Nurhaliza',
];
const MERCHANT_NAMES = ['Jade Garden Restaurant', 'Bund Fine Watches', 'Wangfujing Dept Store', 'Lanzhou Noodles', 'Golden Dragon Tea'];

export interface OrdinaryTrafficOptions {
  seed?: number;
  payers?: number;
  merchants?: number;
  payments?: number;
  start?: number;
  /** Mean seconds between two payments of the whole population. */
  meanGapSeconds?: number;
}

export function ordinaryTraffic(options: OrdinaryTrafficOptions = {}): SwitchedMessage[] {
  const random = mulberry32(options.seed ?? 7);
  const payerCount = options.payers ?? 60;
  const merchantCount = options.merchants ?? 15;
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const merchants = Array.from({ length: merchantCount }, (_, i) => ({
    id: `ord-m-${i}`,
    mcc: ORDINARY_MCCS[i % ORDINARY_MCCS.length]!,
    name: MERCHANT_NAMES[i % MERCHANT_NAMES.length]!,
    city: i % CITIES.length,
  }));
  const payers = Array.from({ length: payerCount }, (_, i) => {
    const wallet = WALLETS[i % WALLETS.length]!;
    const city = Math.floor(random() * CITIES.length);
    const local = merchants.filter((m) => m.city === city);
    const favourites = Array.from({ length: 3 }, () => local[Math.floor(random() * local.length)]!);
    return {
      ...wallet,
      walletId: `ord-w-${i}`,
      // Some wallets send no name (it is optional).
      ...(i % 5 === 4 ? {} : { payerName: PAYER_NAMES[i % PAYER_NAMES.length]! }),
      deviceId: `ord-d-${i}`,
      ip: `171.96.${i % 250}.${(i * 7) % 250}`,
      centre: CITIES[city]!,
      favourites,
    };
  });
  const messages: SwitchedMessage[] = [];
  let at = options.start ?? T0;
  for (let n = 0; n < (options.payments ?? 600); n++) {
    at += Math.round(-Math.log(1 - random()) * (options.meanGapSeconds ?? 40) * 1000);
    const payer = payers[Math.floor(random() * payers.length)]!;
    const merchant = payer.favourites[Math.floor(random() * payer.favourites.length)]!;
    const usd = Math.min(400, Math.max(1, 25 * Math.exp(0.6 * normal())));
    messages.push(
      testMessage({
        usd: Math.round(usd * 100) / 100,
        at,
        participant: payer.participant,
        payerCountry: payer.country,
        walletId: payer.walletId,
        ...(payer.payerName !== undefined ? { payerName: payer.payerName } : {}),
        deviceId: payer.deviceId,
        ip: payer.ip,
        // Within a few km of where the payer stays.
        location: { lat: payer.centre.lat + (random() - 0.5) * 0.05, lon: payer.centre.lon + (random() - 0.5) * 0.05 },
        merchantId: merchant.id,
        merchantName: merchant.name,
        mcc: merchant.mcc,
      }),
    );
  }
  return messages;
}
