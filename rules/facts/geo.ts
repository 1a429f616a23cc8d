/** Great-circle distances, for geo-impossible travel between consecutive payments. */
const EARTH_RADIUS_KM = 6371.0088;

export interface LatLon {
  lat: number;
  lon: number;
}

export function haversineKm(a: LatLon, b: LatLon): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Implied speed from `from` at `fromMs` to `to` at `toMs`. Intervals under a minute count
 * as a minute, so two payments a few metres and milliseconds apart are not supersonic.
 */
export function travel(from: LatLon, fromMs: number, to: LatLon, toMs: number): { km: number; minutes: number; kmh: number } {
  const km = haversineKm(from, to);
  const minutes = Math.max(0, toMs - fromMs) / 60_000;
  return { km, minutes, kmh: km / (Math.max(1, minutes) / 60) };
}
