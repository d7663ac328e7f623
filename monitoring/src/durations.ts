// Prometheus durations ("5m", "1h30m", "250ms") to milliseconds and back, and scaling them by a factor.
// The timing profiles compress time by dividing every duration; Prometheus and Alertmanager accept any
// whole number of milliseconds written in their unit syntax, so a scaled duration is rounded to 1 ms.

const UNIT_MS = {
  y: 365 * 24 * 3_600_000,
  w: 7 * 24 * 3_600_000,
  d: 24 * 3_600_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
} as const;

type Unit = keyof typeof UNIT_MS;

// The units must appear in this order, each at most once (Prometheus' own rule); "m" before "ms" is
// unambiguous because a unit is always followed by digits or the end.
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNITS_IN_ORDER: readonly Unit[] = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];

/** Milliseconds of a Prometheus duration, or null when the text is not one. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text);
  if (match === null || text === '') return null;
  let total = 0;
  UNITS_IN_ORDER.forEach((unit, index) => {
    const digits = match[index + 1];
    if (digits !== undefined) total += Number(digits) * UNIT_MS[unit];
  });
  return total;
}

/** The shortest Prometheus spelling of a whole number of milliseconds ("0s" for zero). */
export function formatDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`not a duration in whole milliseconds: ${ms}`);
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  // Years and weeks are left out on purpose: "8d" reads better than "1w1d" and parses the same.
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * UNIT_MS[unit];
    }
  }
  return text;
}

/**
 * A duration divided by `factor`, rounded to the millisecond and never below 1 ms (a zero range would be
 * an invalid selector). Zero stays zero (`for: 0s` means "at once" in every profile).
 */
export function scaleDuration(text: string, factor: number): string {
  if (!(factor > 0)) throw new Error(`the time factor must be positive, not ${factor}`);
  const ms = parseDuration(text);
  if (ms === null) throw new Error(`not a Prometheus duration: "${text}"`);
  if (ms === 0) return text;
  return formatDuration(Math.max(1, Math.round(ms / factor)));
}
