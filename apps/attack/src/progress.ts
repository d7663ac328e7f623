// The live progress block: what a person watching the attack wants at a glance. Pure rendering; the
// caller decides whether to redraw in place (a terminal) or print a line now and then (a log).
import type { WatchSnapshot } from './watcher.ts';

export interface ProgressFrame {
  elapsedSeconds: number;
  targetRate: number;
  /** Events acknowledged per second over the last few seconds. */
  sentRate: number;
  produced: number;
  watch: WatchSnapshot | null;
  /** The alert's CPU threshold, as a fraction of the request (0.8). */
  cpuThreshold: number;
}

const n = (x: number): string => Math.round(x).toLocaleString('en-US');

export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const mm = String(Math.floor(s / 60)).padStart(2, '0');
  return `${mm}:${String(s % 60).padStart(2, '0')}`;
}

/** A CPU bar of `width` cells with the threshold marked: `████████▏ |   ` style, plain ASCII for logs. */
export function cpuBar(utilization: number, threshold: number, width = 20): string {
  const cells = Math.round((Math.min(utilization, 1.5) / 1.5) * width);
  const mark = Math.round((threshold / 1.5) * width);
  let bar = '';
  for (let i = 0; i < width; i++) bar += i === mark ? '|' : i < cells ? '#' : '.';
  return bar;
}

export function progressLines(frame: ProgressFrame): string[] {
  const w = frame.watch;
  const replicas = w?.replicas
    ? `${w.replicas.current}/${w.replicas.max} (desired ${w.replicas.desired})`
    : '?';
  const alert = w?.alert ?? '?';
  const delivered = w?.notification
    ? `notified at ${w.notification.receivedAt}`
    : w?.atAlertmanager
      ? 'at Alertmanager'
      : '';
  const lines = [
    `t+${clock(frame.elapsedSeconds)}  target ${n(frame.targetRate)}/s  sent ${n(frame.sentRate)}/s  ` +
      `produced ${n(frame.produced)}  lag ${w?.lag === null || w?.lag === undefined ? '?' : n(w.lag)}`,
    `replicas ${replicas}  alert ${alert}${delivered ? `, ${delivered}` : ''}`,
  ];
  for (const pod of w?.pods ?? []) {
    const pct = `${Math.round(pod.cpuUtilization * 100)}%`.padStart(5);
    const over = pod.cpuUtilization > frame.cpuThreshold ? ' > 80%' : '';
    lines.push(
      `  ${pod.name.padEnd(22)} cpu ${pct} [${cpuBar(pod.cpuUtilization, frame.cpuThreshold)}]${over}${pod.ready ? '' : ' (not ready)'}`,
    );
  }
  return lines;
}

/** A one-line summary for logs (no terminal). */
export function progressLine(frame: ProgressFrame): string {
  const w = frame.watch;
  const cpus = (w?.pods ?? []).map((p) => `${Math.round(p.cpuUtilization * 100)}%`).join(' ');
  return (
    `t+${clock(frame.elapsedSeconds)} target ${n(frame.targetRate)}/s sent ${n(frame.sentRate)}/s ` +
    `lag ${w?.lag === null || w?.lag === undefined ? '?' : n(w.lag)} replicas ${w?.replicas?.current ?? '?'} ` +
    `cpu [${cpus}] alert ${w?.alert ?? '?'}${w?.notification ? ' notified' : ''}`
  );
}

/** The sent rate over a sliding window: events acknowledged per second over the last `windowMs`. */
export class SentRate {
  private readonly samples: { at: number; produced: number }[] = [];
  private readonly windowMs: number;

  constructor(windowMs = 5000) {
    this.windowMs = windowMs;
  }

  /** Records the produced total at `at` (ms) and returns the rate over the window ending there. */
  sample(at: number, produced: number): number {
    this.samples.push({ at, produced });
    while (this.samples.length > 1 && (this.samples[0]?.at ?? 0) < at - this.windowMs) this.samples.shift();
    const first = this.samples[0];
    const span = first ? (at - first.at) / 1000 : 0;
    return first && span > 0 ? (produced - first.produced) / span : 0;
  }
}
