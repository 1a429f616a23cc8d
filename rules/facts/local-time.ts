/**
 * Merchant local time for rules such as "high-risk category at night". Standard-time UTC
 * offsets by merchant country; summer time is ignored (none of our Asian markets has it).
 */
const UTC_OFFSET_HOURS: ReadonlyMap<string, number> = new Map(Object.entries({
  CN: 8, HK: 8, MO: 8, TW: 8, SG: 8, MY: 8, PH: 8, BN: 8, MN: 8,
  TH: 7, VN: 7, KH: 7, LA: 7, ID: 7,
  KR: 9, JP: 9,
  MM: 6.5, BD: 6, NP: 5.75, IN: 5.5, LK: 5.5, PK: 5, MV: 5,
  AE: 4, OM: 4, QA: 3, SA: 3, TR: 3,
  AU: 10, NZ: 12,
  GB: 0, IE: 0, PT: 0, FR: 1, DE: 1, IT: 1, ES: 1, NL: 1, CH: 1,
}));

/** A Map: the country is the message's, and no country is named `constructor`. */
export function utcOffsetHours(country: string): number | undefined {
  return UTC_OFFSET_HOURS.get(country);
}

/** Hour of day (0-23) at the merchant at `atMs`, or -1 when its time zone is unknown. */
export function merchantLocalHour(country: string, atMs: number): number {
  const offset = UTC_OFFSET_HOURS.get(country);
  if (offset === undefined) return -1;
  const local = atMs + offset * 3_600_000;
  return Math.floor((((local % 86_400_000) + 86_400_000) % 86_400_000) / 3_600_000);
}
