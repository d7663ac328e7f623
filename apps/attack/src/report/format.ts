// How numbers, moments and durations read in the report: one spelling for the HTML, the charts and the log.
// Times are the local time of the machine that builds the report, said once at the top of the page.

const pad = (n: number): string => String(n).padStart(2, '0');

/** 17:42:05 (local time); without seconds, 17:42. */
export function clockTime(ms: number, withSeconds = true): string {
  const d = new Date(ms);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return withSeconds ? `${hm}:${pad(d.getSeconds())}` : hm;
}

/** 2026-11-26 17:42:05 (local time). */
export function dateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clockTime(ms)}`;
}

/** The local time zone as a reader needs it: "UTC", or "UTC+01:00 (Europe/Paris)". */
export function timeZoneLabel(ms: number): string {
  const offsetMinutes = -new Date(ms).getTimezoneOffset();
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (offsetMinutes === 0 && /^(Etc\/)?(UTC|GMT|Universal|Zulu)$/.test(zone)) return 'UTC';
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)} (${zone})`;
}

/** An elapsed time for people: "45 s", "2 min 05 s", "1 h 02 min"; under 10 s keeps a decimal. */
export function formatElapsed(seconds: number): string {
  const sign = seconds < 0 ? '−' : '';
  const s = Math.abs(seconds);
  if (s < 10) return `${sign}${(Math.round(s * 10) / 10).toString()} s`;
  const total = Math.round(s);
  if (total < 60) return `${sign}${total} s`;
  if (total < 3600) return `${sign}${Math.floor(total / 60)} min ${pad(total % 60)} s`;
  return `${sign}${Math.floor(total / 3600)} h ${pad(Math.floor((total % 3600) / 60))} min`;
}

/** The same, short enough for a big number on a card: "45s", "2m 05s", "1h 02m". */
export function formatElapsedShort(seconds: number): string {
  return formatElapsed(seconds)
    .replace(/ (min|s)\b/g, (_, unit: string) => (unit === 'min' ? 'm' : 's'))
    .replace(' h', 'h');
}

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1,234,567 */
export function formatCount(n: number): string {
  return grouped.format(Math.round(n));
}

/** A rate or gauge with sensible precision: 12,345 / 123 / 12.3 / 1.23 / 0.012. */
export function formatNumber(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 100 || n === 0) return formatCount(n);
  const digits = abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return new Intl.NumberFormat('en-US', { maximumFractionDigits: digits }).format(n);
}

/** Axis ticks: 950, 1.5k, 12k, 1.2M; small values keep their decimals. */
export function compactNumber(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e6) return `${trim(n / 1e6)}M`;
  if (abs >= 1e3) return `${trim(n / 1e3)}k`;
  return trim(n);
}

function trim(n: number): string {
  return String(Number(n.toFixed(Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2)));
}

/** 0.873 -> "87%" */
export function formatPercent(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}
