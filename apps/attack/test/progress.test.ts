import { describe, expect, it } from 'vitest';
import { SentRate, clock, cpuBar, progressLine, progressLines, type ProgressFrame } from '../src/progress.ts';
import { alertState, type WatchSnapshot } from '../src/watcher.ts';

const watch: WatchSnapshot = {
  at: new Date('2026-11-26T17:00:00Z'),
  replicas: { current: 6, desired: 6, max: 6 },
  pods: [
    { name: 'scoring-api-abcde', ready: true, cpuUtilization: 0.92 },
    { name: 'scoring-api-fghij', ready: true, cpuUtilization: 0.41 },
  ],
  lag: 12_345,
  alert: 'pending',
  atAlertmanager: false,
  notification: null,
};
const frame: ProgressFrame = {
  elapsedSeconds: 125,
  targetRate: 20_000,
  sentRate: 19_876.4,
  produced: 1_234_567,
  watch,
  cpuThreshold: 0.8,
};

describe('the progress block', () => {
  it('shows rates, lag, replicas, the alert and every replica against the 80% line', () => {
    const lines = progressLines(frame);
    expect(lines[0]).toBe('t+02:05  target 20,000/s  sent 19,876/s  produced 1,234,567  lag 12,345');
    expect(lines[1]).toBe('replicas 6/6 (desired 6)  alert pending');
    expect(lines[2]).toMatch(/^ {2}scoring-api-abcde +cpu {3}92% \[#+\|#*\.*\] > 80%$/);
    expect(lines[3]).toMatch(/scoring-api-fghij +cpu {3}41% \[#+\.+\|\.+\]$/);
  });

  it('says what it does not know instead of inventing it', () => {
    const lines = progressLines({ ...frame, watch: null });
    expect(lines).toEqual([
      't+02:05  target 20,000/s  sent 19,876/s  produced 1,234,567  lag ?',
      'replicas ?  alert ?',
    ]);
  });

  it('fits one line for logs', () => {
    expect(progressLine(frame)).toBe(
      't+02:05 target 20,000/s sent 19,876/s lag 12,345 replicas 6 cpu [92% 41%] alert pending',
    );
  });

  it('draws the bar to scale with the threshold marked', () => {
    expect(cpuBar(0, 0.8, 15)).toBe('........|......');
    expect(cpuBar(1.5, 0.8, 15)).toBe('########|######');
    expect(clock(3599)).toBe('59:59');
  });

  it('reduces one series per replica to the alert state', () => {
    expect(alertState(['pending', 'firing'])).toBe('firing');
    expect(alertState(['pending'])).toBe('pending');
    expect(alertState([])).toBe('inactive');
  });
});

describe('SentRate', () => {
  it('is the events acknowledged per second over the last window, forgetting older samples', () => {
    const rate = new SentRate(5000);
    expect(rate.sample(0, 0)).toBe(0);
    expect(rate.sample(1000, 2000)).toBe(2000);
    expect(rate.sample(5000, 10_000)).toBe(2000);
    // The samples before 2000 ms leave the window: the rate is now over 5000..7000 ms.
    expect(rate.sample(7000, 22_000)).toBe((22_000 - 10_000) / 2);
  });
});
