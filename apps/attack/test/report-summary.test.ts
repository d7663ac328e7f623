// The report's arithmetic with hand-built range data, and the pieces around it: windows, queries against
// the rule files, the Prometheus client's errors, the receiver's file, the chart data and the formats.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { timeAxisLabel, toChartData } from '../src/report/charts.ts';
import { formatElapsed, formatElapsedShort, compactNumber } from '../src/report/format.ts';
import { firstFiringNotification, parseNotifications } from '../src/report/notifications.ts';
import { findFonts } from '../src/report/png.ts';
import { parseValues, prometheusRangeQuery, type RangeSeries } from '../src/report/prometheus-client.ts';
import {
  CPU_OVER_REQUEST_RULE,
  durationSeconds,
  queryWindows,
  reportQueries,
  SATURATION_ALERT,
} from '../src/report/report-queries.ts';
import { summarize, type SummaryInput } from '../src/report/report-summary.ts';
import {
  alertSpans,
  counterIncrease,
  firstInState,
  firstReaching,
  peak,
  totalIncrease,
  triggeringReplica,
  valueAt,
} from '../src/report/summary.ts';

const T = 1_800_000_000; // a window start, in Unix seconds

/** A series from values one second apart starting at T + offset; null leaves a gap. */
function series(labels: Record<string, string>, values: readonly (number | null)[], offset = 0): RangeSeries {
  return {
    labels,
    points: values.flatMap((v, i) => (v === null ? [] : [[T + offset + i, v] as const])),
  };
}

describe('counter increases', () => {
  it('adds up the growth of a counter that was already running', () => {
    expect(counterIncrease(series({}, [100, 110, 110, 150]).points, false)).toBe(50);
  });

  it('counts a restart from zero as growth, not as a drop', () => {
    // 100 -> 130 (+30), restart, 5 (+5), 25 (+20)
    expect(counterIncrease(series({}, [100, 130, 5, 25]).points, false)).toBe(55);
  });

  it('counts the first value of a process born inside the window', () => {
    expect(counterIncrease(series({}, [7, 9]).points, true)).toBe(9);
    expect(counterIncrease(series({}, [7, 9]).points, false)).toBe(2);
    expect(counterIncrease([], true)).toBe(0);
  });

  it('treats a series as born inside when it is absent at the window start', () => {
    const old = series({ pod: 'a' }, [10, 20, 30]);
    const young = series({ pod: 'b' }, [4, 6], 1);
    expect(totalIncrease([old, young], T)).toBe(20 + 6);
  });
});

describe('moments and peaks', () => {
  const replicas = series({}, [4, 4, 5, 6, 5, 6]);

  it('finds the first point reaching a value, from a given time on', () => {
    expect(firstReaching([replicas], 6)).toEqual([T + 3, 6]);
    expect(firstReaching([replicas], 6, T + 4)).toEqual([T + 5, 6]);
    expect(firstReaching([replicas], 7)).toBeNull();
  });

  it('takes the earliest of several series', () => {
    const a = series({}, [0, 0, 0, 9]);
    const b = series({}, [0, 9, 0, 0]);
    expect(firstReaching([a, b], 9)?.[0]).toBe(T + 1);
  });

  it('finds the peak, the earliest on a tie, and no peak without points', () => {
    expect(peak([series({ a: '1' }, [1, 8, 3]), series({ a: '2' }, [8, 2])])).toEqual({
      t: T,
      value: 8,
      labels: { a: '2' },
    });
    expect(peak([series({}, [])])).toBeNull();
  });

  it('reads a value at a time, or the last one within the tolerance before it', () => {
    const s = series({}, [1, null, null, 4]).points;
    expect(valueAt(s, T + 3, 1)).toBe(4);
    expect(valueAt(s, T + 2, 1)).toBeNull();
    expect(valueAt(s, T + 2, 2)).toBe(1);
  });
});

describe('the alert', () => {
  const alert = (pod: string, state: string, values: readonly (number | null)[]): RangeSeries =>
    series({ alertname: SATURATION_ALERT, alertstate: state, pod }, values);
  // Replica a: pending for 3 s then firing; replica b: pending later, never fires. b comes first, as
  // Prometheus may order them: a firing replica must win over a pending one listed before it.
  const alerts = [
    alert('b', 'pending', [null, null, null, null, 1, 1, 1]),
    alert('a', 'pending', [null, 1, 1, 1, null, null, null]),
    alert('a', 'firing', [null, null, null, null, 1, 1, null]),
  ];

  it('shades pending then firing, firing winning when replicas disagree', () => {
    expect(alertSpans(alerts, 1)).toEqual([
      { state: 'pending', from: T + 1, to: T + 4 },
      { state: 'firing', from: T + 4, to: T + 6 },
      { state: 'pending', from: T + 6, to: T + 7 },
    ]);
  });

  it('splits a span where evaluations are missing', () => {
    expect(alertSpans([alert('a', 'firing', [1, 1, null, null, 1])], 1)).toEqual([
      { state: 'firing', from: T, to: T + 2 },
      { state: 'firing', from: T + 4, to: T + 5 },
    ]);
  });

  it('finds the first pending and firing moments and the replicas then', () => {
    expect(firstInState(alerts, 'pending')).toEqual({ t: T + 1, pods: ['a'] });
    expect(firstInState(alerts, 'firing')).toEqual({ t: T + 4, pods: ['a'] });
    expect(firstInState(alerts, 'pending', T + 4)).toEqual({ t: T + 4, pods: ['b'] });
    expect(firstInState([], 'firing')).toBeNull();
  });

  it('names the hottest of the replicas that fired first, with its CPU then', () => {
    const cpu = [series({ pod: 'a' }, [0.5, 0.91, 0.93]), series({ pod: 'b' }, [0.5, 0.97, 0.99])];
    expect(triggeringReplica({ t: T + 2, pods: ['a', 'b'] }, cpu, 2)).toEqual({
      pod: 'b',
      cpuOverRequest: 0.99,
    });
    expect(triggeringReplica({ t: T + 2, pods: ['c'] }, cpu, 2)).toEqual({ pod: 'c', cpuOverRequest: null });
    // The page names no pod (one alert per namespace): the hottest replica then.
    expect(triggeringReplica({ t: T + 2, pods: [] }, cpu, 2)).toEqual({ pod: 'b', cpuOverRequest: 0.99 });
  });
});

describe('the summary', () => {
  const start = new Date(T * 1000);
  const empty = Object.fromEntries(
    Object.keys(reportQueries({ transactionsTopic: 't', deployment: 'd' }, '4s')).map((k) => [k, []]),
  ) as unknown as SummaryInput['data'];
  const input = (data: Partial<SummaryInput['data']>, attackAt?: number): SummaryInput => ({
    title: 't',
    start,
    end: new Date((T + 60) * 1000),
    windows: queryWindows('1s', start, new Date((T + 60) * 1000)),
    profile: { name: 'fast', scrapeInterval: '1s' },
    attack:
      attackAt === undefined
        ? null
        : { startedAt: new Date((T + attackAt) * 1000), outcome: 'o', rampDescription: 'r' },
    data: { ...empty, ...data },
    notification: { value: null, why: 'no notification file' },
  });

  it('counts moments from the attack start when there is one', () => {
    const s = summarize(
      input({ currentReplicas: [series({}, [4, 4, 5, 6])], maxReplicas: [series({}, [6, 6, 6, 6])] }, 1),
    );
    expect(s.toMaxReplicas).toEqual({
      value: { at: new Date((T + 3) * 1000).toISOString(), afterSeconds: 2 },
    });
    expect(s.reference.what).toBe('attack start');
  });

  it('says why a moment never came', () => {
    const s = summarize(
      input({ currentReplicas: [series({}, [4, 5, 5])], maxReplicas: [series({}, [6, 6, 6])] }),
    );
    expect(s.toMaxReplicas.value).toBeNull();
    expect(s).toMatchObject({
      toMaxReplicas: { why: expect.stringMatching(/never reached .* 6 .*at most 5/) as string },
    });
    expect(s.toFiring).toEqual({ value: null, why: `${SATURATION_ALERT} never fired in this window` });
    expect(s.toNotification).toEqual({ value: null, why: 'no notification file' });
  });

  it('reads a missing labelled counter as zero while its family is scraped, and as unknown when not', () => {
    const s = summarize(input({ api5xxRate: [series({}, [0, 0, 0])] }));
    expect(s.api5xx).toEqual({ value: 0 });
    expect(s.gateway429.value).toBeNull();
  });
});

describe('the queries', () => {
  it('use the recording rule and the alert that monitoring/rules defines', () => {
    const rules = readFileSync(
      new URL('../../../monitoring/rules/scoring-api.rules.yaml', import.meta.url),
      'utf8',
    );
    expect(rules).toContain(`- record: ${CPU_OVER_REQUEST_RULE}\n`);
    expect(rules).toContain(`- alert: ${SATURATION_ALERT}\n`);
    expect(rules).toMatch(/max_ratio_rate2m\[1m15s\]\) > 0\.8\n/);
  });

  it('select the configured topic and deployment and rate over the chosen window', () => {
    const q = reportQueries({ transactionsTopic: 'tx', deployment: 'api' }, '60s');
    expect(q.lag).toBe('sum(max by (consumergroup, partition) (kafka_consumergroup_lag{topic="tx"}))');
    expect(q.currentReplicas).toBe(
      'max(kube_horizontalpodautoscaler_status_current_replicas{horizontalpodautoscaler="api"})',
    );
    expect(q.producedRate).toBe('sum(rate(attack_events_produced_total[60s]))');
    expect(q.apiP99Seconds).toMatch(/^histogram_quantile\(0\.99, sum by \(le\) \(rate\(.*\[60s\]\)\)\)$/);
  });

  it('step one scrape and rate over four, coarser for long windows', () => {
    const start = new Date(T * 1000);
    const after = (s: number): Date => new Date((T + s) * 1000);
    expect(queryWindows('1s', start, after(600))).toMatchObject({ stepSeconds: 1, rateWindow: '4s' });
    expect(queryWindows('15s', start, after(3600))).toMatchObject({ stepSeconds: 15, rateWindow: '60s' });
    // 6 h at 1 s would be 21,600 points: the step grows and the rate window with it.
    expect(queryWindows('1s', start, after(6 * 3600))).toMatchObject({ stepSeconds: 18, rateWindow: '19s' });
    expect(durationSeconds('1m30s')).toBe(90);
    expect(() => durationSeconds('soon')).toThrow(/not a Prometheus duration/);
  });
});

describe('the Prometheus client', () => {
  const range = { start: new Date(T * 1000), end: new Date((T + 60) * 1000), stepSeconds: 1 };
  const answering =
    (status: number, body: unknown): typeof fetch =>
    async () =>
      new Response(typeof body === 'string' ? body : JSON.stringify(body), { status });

  it('parses a matrix and drops NaN and infinite values', async () => {
    const query = prometheusRangeQuery('http://p:9090', {
      fetch: answering(200, {
        status: 'success',
        data: {
          resultType: 'matrix',
          result: [
            {
              metric: { pod: 'a' },
              values: [
                [T, '1.5'],
                [T + 1, 'NaN'],
                [T + 2, '+Inf'],
                [T + 3, '2'],
              ],
            },
          ],
        },
      }),
    });
    expect(await query('up', range)).toEqual([
      {
        labels: { pod: 'a' },
        points: [
          [T, 1.5],
          [T + 3, 2],
        ],
      },
    ]);
    expect(parseValues([[T, '-Inf']])).toEqual([]);
  });

  it("names the query and quotes Prometheus' error", async () => {
    const query = prometheusRangeQuery('http://p:9090', {
      fetch: answering(400, { status: 'error', errorType: 'bad_data', error: 'parse error at char 5' }),
    });
    await expect(query('sum(rate(x[', range)).rejects.toThrow(
      'Prometheus refused the range query sum(rate(x[ (HTTP 400, bad_data): parse error at char 5',
    );
  });

  it('says when something other than Prometheus answered, or nothing did', async () => {
    await expect(
      prometheusRangeQuery('http://p:9090', { fetch: answering(502, '<html>Bad Gateway</html>') })(
        'up',
        range,
      ),
    ).rejects.toThrow(/answered HTTP 502 with no JSON to the range query up: <html>Bad Gateway/);
    const refused: typeof fetch = async () => {
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    };
    await expect(prometheusRangeQuery('http://p:9090', { fetch: refused })('up', range)).rejects.toThrow(
      'Prometheus at http://p:9090 did not answer the range query up: fetch failed (ECONNREFUSED)',
    );
  });
});

describe("the receiver's notifications", () => {
  const line = (receivedAt: string, status: string, alertname = SATURATION_ALERT): string =>
    JSON.stringify({
      receivedAt,
      receiver: 'administrator',
      status,
      alerts: [{ status, labels: { alertname }, annotations: {} }],
    });
  const text = [
    line('2026-11-26T16:00:00Z', 'firing'),
    line('2026-11-26T16:05:00Z', 'firing', 'ScoringApiHighLatencyP99'),
    line('2026-11-26T16:06:00Z', 'resolved'),
    line('2026-11-26T16:07:00Z', 'firing'),
    line('2026-11-26T16:08:00Z', 'firing'),
    '{"receivedAt":"2026-11-26T16:0',
  ].join('\n');

  it('skips a torn last line', () => {
    expect(parseNotifications(text)).toHaveLength(5);
  });

  it('picks the first firing saturation notification inside the window', () => {
    const found = firstFiringNotification(
      parseNotifications(text),
      new Date('2026-11-26T16:01:00Z'),
      new Date('2026-11-26T16:30:00Z'),
    );
    expect(found?.receivedAt).toBe('2026-11-26T16:07:00Z');
    expect(
      firstFiringNotification(
        parseNotifications(text),
        new Date('2026-11-26T16:09:00Z'),
        new Date('2026-11-26T17:00:00Z'),
      ),
    ).toBeNull();
  });
});

describe('chart data and formats', () => {
  it('breaks a line where a series skipped more than two steps', () => {
    expect(toChartData(series({}, [1, 2, null, null, null, 3]).points, 1, 10)).toEqual([
      [T * 1000, 10],
      [(T + 1) * 1000, 20],
      [(T + 2) * 1000, '-'],
      [(T + 5) * 1000, 30],
    ]);
  });

  it('labels the time axis in local time, with seconds only for short windows and the day for long ones', () => {
    const t = new Date(2026, 10, 26, 16, 0, 30).getTime();
    expect(timeAxisLabel(5 * 60_000)(t)).toBe('16:00:30');
    expect(timeAxisLabel(30 * 60_000)(t)).toBe('16:00');
    expect(timeAxisLabel(2 * 86_400_000)(t)).toBe('11-26 16:00');
  });

  it('spells durations and numbers for people', () => {
    expect([4.25, 45, 125, 3720].map(formatElapsed)).toEqual(['4.3 s', '45 s', '2 min 05 s', '1 h 02 min']);
    expect([45, 125, 3720].map(formatElapsedShort)).toEqual(['45s', '2m 05s', '1h 02m']);
    expect([950, 1500, 12_000, 1_250_000, 0.25].map(compactNumber)).toEqual([
      '950',
      '1.5k',
      '12k',
      '1.25M',
      '0.25',
    ]);
  });

  it('prefers DejaVu Sans for the PNGs, then Liberation Sans, then the system fonts', () => {
    expect(findFonts(() => true).family).toBe('DejaVu Sans');
    expect(findFonts((path) => path.includes('Liberation')).family).toBe('Liberation Sans');
    expect(findFonts(() => false)).toEqual({ family: null, files: [] });
  });
});
