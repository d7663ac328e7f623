// The summary's arithmetic over range data: when a series first reaches a value, how much counters grew
// (across process restarts), peaks, and the alert's pending and firing spans. Pure: numbers in, numbers out.
import type { Point, RangeSeries } from './prometheus-client.ts';

/** A value the report could establish, or why it could not (shown as "—" with the reason). */
export type Known<T> = { value: T } | { value: null; why: string };

export const known = <T>(value: T): Known<T> => ({ value });
export const unknownBecause = <T>(why: string): Known<T> => ({ value: null, why });

/** The first point at or after `from` whose value is at least `threshold`, across all series. */
export function firstReaching(
  series: readonly RangeSeries[],
  threshold: number,
  from = Number.NEGATIVE_INFINITY,
): Point | null {
  let first: Point | null = null;
  for (const s of series)
    for (const point of s.points)
      if (point[0] >= from && point[1] >= threshold) {
        if (first === null || point[0] < first[0]) first = point;
        break;
      }
  return first;
}

/**
 * How much one counter grew over its points. A drop means the process restarted and counted again from
 * zero, so the new value is all increase (as Prometheus' increase() reads resets). A series born inside the
 * window (absent at its first evaluation) belongs to a process that started counting from zero in it, so
 * its first value counts too; a series already there at the start contributes only what it added since.
 */
export function counterIncrease(points: readonly Point[], bornInside: boolean): number {
  const first = points[0];
  if (first === undefined) return 0;
  let total = bornInside ? first[1] : 0;
  let previous = first[1];
  for (const [, value] of points.slice(1)) {
    total += value >= previous ? value - previous : value;
    previous = value;
  }
  return total;
}

/** The summed increase of every series of a counter over a window starting at `windowStart` (Unix s). */
export function totalIncrease(series: readonly RangeSeries[], windowStart: number): number {
  return series.reduce((sum, s) => {
    const first = s.points[0];
    return first === undefined ? sum : sum + counterIncrease(s.points, first[0] > windowStart);
  }, 0);
}

export interface Peak {
  t: number;
  value: number;
  labels: Readonly<Record<string, string>>;
}

/** The highest point of all series (the earliest one on a tie), or null without points. */
export function peak(series: readonly RangeSeries[]): Peak | null {
  let best: Peak | null = null;
  for (const s of series)
    for (const [t, value] of s.points)
      if (best === null || value > best.value || (value === best.value && t < best.t))
        best = { t, value, labels: s.labels };
  return best;
}

/** The value a series has at time t: its point at t, else the last one within `tolerance` seconds before. */
export function valueAt(points: readonly Point[], t: number, tolerance: number): number | null {
  let found: number | null = null;
  for (const [pt, value] of points) {
    if (pt > t) break;
    if (pt >= t - tolerance) found = value;
  }
  return found;
}

export type AlertStateName = 'pending' | 'firing';

export interface AlertSpan {
  state: AlertStateName;
  /** Unix seconds: the first evaluation in the state. */
  from: number;
  /** Unix seconds: one step after the last evaluation in the state (so a single evaluation has a width). */
  to: number;
}

/**
 * The alert's overall state at each evaluation from its ALERTS series (one per replica and state): firing
 * when any replica fires, else pending when any is pending. Times without a series are inactive.
 */
export function alertStates(alerts: readonly RangeSeries[]): Map<number, AlertStateName> {
  const states = new Map<number, AlertStateName>();
  for (const s of alerts) {
    const state = s.labels.alertstate;
    if (state !== 'pending' && state !== 'firing') continue;
    for (const [t, value] of s.points) {
      if (value <= 0) continue;
      if (state === 'firing' || !states.has(t)) states.set(t, state);
    }
  }
  return new Map([...states].sort((a, b) => a[0] - b[0]));
}

/** Runs of one overall state, for shading; consecutive evaluations are `stepSeconds` apart. */
export function alertSpans(alerts: readonly RangeSeries[], stepSeconds: number): AlertSpan[] {
  const spans: AlertSpan[] = [];
  for (const [t, state] of alertStates(alerts)) {
    const last = spans.at(-1);
    // Half a step of slack: Prometheus' timestamps are floats and a step may not divide them exactly.
    if (last?.state === state && t - (last.to - stepSeconds) <= stepSeconds * 1.5) last.to = t + stepSeconds;
    else spans.push({ state, from: t, to: t + stepSeconds });
  }
  return spans;
}

/** The first evaluation at or after `from` where some replica's alert is in `state`, and which replicas. */
export function firstInState(
  alerts: readonly RangeSeries[],
  state: AlertStateName,
  from = Number.NEGATIVE_INFINITY,
): { t: number; pods: string[] } | null {
  let t: number | null = null;
  for (const s of alerts) {
    if (s.labels.alertstate !== state) continue;
    const point = s.points.find(([pt, value]) => pt >= from && value > 0);
    if (point !== undefined && (t === null || point[0] < t)) t = point[0];
  }
  if (t === null) return null;
  const at = t;
  const pods = alerts
    .filter((s) => s.labels.alertstate === state && s.points.some(([pt, value]) => pt === at && value > 0))
    // The page is one alert per namespace (no pod label); other alerts may name their pod.
    .flatMap((s) => (s.labels.pod === undefined ? [] : [s.labels.pod]))
    .sort();
  return { t: at, pods };
}

/**
 * Of the replicas that fired first (every replica when the alert names none, as the page does: one alert per
 * namespace on the hottest replica), the one that ran hottest at that moment, with its CPU over request
 * (null when its CPU series has no point near then).
 */
export function triggeringReplica(
  firing: { t: number; pods: readonly string[] },
  cpu: readonly RangeSeries[],
  tolerance: number,
): { pod: string; cpuOverRequest: number | null } | null {
  const pods =
    firing.pods.length > 0
      ? firing.pods
      : cpu.flatMap((s) => (s.labels.pod === undefined ? [] : [s.labels.pod]));
  const candidates = pods.map((pod) => {
    const series = cpu.find((s) => s.labels.pod === pod);
    return { pod, cpuOverRequest: series ? valueAt(series.points, firing.t, tolerance) : null };
  });
  candidates.sort((a, b) => (b.cpuOverRequest ?? -1) - (a.cpuOverRequest ?? -1));
  return candidates[0] ?? null;
}
