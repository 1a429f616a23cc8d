/**
 * Where payers live and where merchants are: just enough geography for the rules that
 * look at location (geo-impossible travel) and at the corridor to see believable data.
 */
export interface LatLon {
  lat: number;
  lon: number;
}

/** The merchant cities of the development config, plus the payers' home cities. */
const CITIES: Record<string, LatLon> = {
  shanghai: { lat: 31.2304, lon: 121.4737 },
  beijing: { lat: 39.9042, lon: 116.4074 },
  shenzhen: { lat: 22.5431, lon: 114.0579 },
  hangzhou: { lat: 30.2741, lon: 120.1551 },
  chengdu: { lat: 30.5728, lon: 104.0668 },
  guangzhou: { lat: 23.1291, lon: 113.2644 },
  xian: { lat: 34.3416, lon: 108.9398 },
  sanya: { lat: 18.2528, lon: 109.512 },
  singapore: { lat: 1.2903, lon: 103.852 },
  bangkok: { lat: 13.7563, lon: 100.5018 },
  phuket: { lat: 7.8804, lon: 98.3923 },
  seoul: { lat: 37.5665, lon: 126.978 },
  busan: { lat: 35.1796, lon: 129.0756 },
  'kuala lumpur': { lat: 3.139, lon: 101.6869 },
  'chiang mai': { lat: 18.7883, lon: 98.9853 },
  incheon: { lat: 37.4563, lon: 126.7052 },
};

/** Where a payer of a wallet from this country usually is. */
const HOME_CITIES: Record<string, readonly string[]> = {
  CN: ['Shanghai', 'Beijing', 'Shenzhen', 'Guangzhou', 'Hangzhou', 'Chengdu'],
  TH: ['Bangkok', 'Bangkok', 'Chiang Mai'],
  SG: ['Singapore'],
  KR: ['Seoul', 'Seoul', 'Busan', 'Incheon'],
  MY: ['Kuala Lumpur'],
};

/** Capitals stand in for cities we have no coordinates for. */
const COUNTRY_FALLBACK: Record<string, LatLon> = {
  CN: { lat: 39.9042, lon: 116.4074 },
  TH: { lat: 13.7563, lon: 100.5018 },
  SG: { lat: 1.2903, lon: 103.852 },
  KR: { lat: 37.5665, lon: 126.978 },
  MY: { lat: 3.139, lon: 101.6869 },
  JP: { lat: 35.6762, lon: 139.6503 },
  HK: { lat: 22.3193, lon: 114.1694 },
};

/** Standard-time UTC offsets in hours, for a merchant's local hour of day. */
const UTC_OFFSET_HOURS: Record<string, number> = { CN: 8, SG: 8, MY: 8, HK: 8, TH: 7, KR: 9, JP: 9 };

/** Plausible public prefixes per country: payer IPs only have to look consistent, nothing connects to them. */
const IP_PREFIXES: Record<string, readonly string[]> = {
  CN: ['117.136', '223.104', '114.247'],
  TH: ['171.96', '49.228'],
  SG: ['116.86', '118.189'],
  KR: ['121.134', '211.36'],
  MY: ['175.136', '60.48'],
};

export function cityLocation(city: string, country: string): LatLon {
  return CITIES[city.trim().toLowerCase()] ?? COUNTRY_FALLBACK[country] ?? { lat: 0, lon: 0 };
}

export function homeCitiesOf(country: string): readonly string[] {
  return HOME_CITIES[country] ?? [];
}

export function homeLocation(city: string | undefined, country: string): LatLon {
  return city ? cityLocation(city, country) : (COUNTRY_FALLBACK[country] ?? { lat: 0, lon: 0 });
}

export function utcOffsetHours(country: string): number {
  return UTC_OFFSET_HOURS[country] ?? 8;
}

export function ipPrefixesOf(country: string): readonly string[] {
  return IP_PREFIXES[country] ?? ['203.0'];
}

/** A point within roughly `km` of `centre`; `u`, `v` uniform in [0, 1). */
export function jitter(centre: LatLon, km: number, u: number, v: number): LatLon {
  const distanceKm = km * Math.sqrt(u);
  const bearing = 2 * Math.PI * v;
  const dLat = (distanceKm * Math.cos(bearing)) / 111;
  const dLon = (distanceKm * Math.sin(bearing)) / (111 * Math.max(0.1, Math.cos((centre.lat * Math.PI) / 180)));
  return { lat: round(centre.lat + dLat, 4), lon: round(centre.lon + dLon, 4) };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
