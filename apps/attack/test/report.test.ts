// The whole report from a stub range query: a hand-made attack (ramp, scale-out to 6, alert pending then
// firing, a notification), then what a person opens: the HTML in headless Chromium, and the PNGs.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildReport,
  type Point,
  type RangeQuery,
  type RangeSeries,
  type ReportOptions,
} from '../src/report/index.ts';
import { queryWindows, reportQueries, type QueryId } from '../src/report/report-queries.ts';

const names = { transactionsTopic: 'transactions', deployment: 'scoring-api' };
const profile = { name: 'fast', scrapeInterval: '1s' };

/** Seconds after the window start -> a value; undefined leaves the point out (the series is absent then). */
type Shape = (s: number) => number | undefined;

/**
 * A ten-minute fast-profile attack, second by second: the ramp adds 2,000 events/s every 20 s up to
 * 20,000; replicas go 4 -> 5 -> 6; the saturation alert is pending from +125 s and firing from +155 s on
 * scoring-api-e; the receiver gets the notification at +158 s. One replica restarts (its counter resets).
 */
function attackScenario(
  start: Date,
  seconds = 600,
): {
  data: Record<QueryId, RangeSeries[]>;
  attackStart: Date;
  notificationAt: Date;
} {
  const t0 = start.getTime() / 1000;
  const attackAt = 4;
  const series = (labels: Record<string, string>, shape: Shape): RangeSeries => {
    const points: Point[] = [];
    for (let s = 0; s <= seconds; s += 1) {
      const value = shape(s);
      if (value !== undefined) points.push([t0 + s, value]);
    }
    return { labels, points };
  };
  const target = (s: number): number | undefined =>
    s < attackAt || s > 420
      ? s < attackAt
        ? 0
        : undefined
      : Math.min(20_000, 2000 + 2000 * Math.floor((s - attackAt) / 20));
  const replicas = (s: number): number => (s < 70 ? 4 : s < 100 ? 5 : 6);
  const capacity = (s: number): number => replicas(s) * 2600;
  const produced = (s: number): number => (target(s) ?? 0) * (0.97 + 0.02 * Math.sin(s));
  // The scorers take what arrives plus the backlog, up to their capacity; the rest waits as lag.
  const lag = new Map<number, number>();
  const consumedAt = new Map<number, number>();
  let backlog = 0;
  for (let s = 0; s <= seconds; s += 1) {
    const taken = Math.min(backlog + produced(s), capacity(s));
    backlog += produced(s) - taken;
    consumedAt.set(s, taken);
    lag.set(s, backlog);
  }
  const consumed = (s: number): number => consumedAt.get(s) ?? 0;
  const pods = ['a', 'b', 'c', 'd', 'e', 'f'].map((x, i) => ({
    pod: `scoring-api-${x}`,
    born: i < 4 ? 0 : i === 4 ? 70 : 100,
  }));
  const cpu = (s: number, i: number): number =>
    Math.min(
      1.1,
      0.05 + (0.9 * consumed(s)) / capacity(s) + 0.03 * Math.sin(s / 7 + i) + (i === 4 ? 0.04 : 0),
    );
  const alertPending = (s: number): number | undefined => (s >= 125 && s < 155 ? 1 : undefined);
  const alertFiring = (s: number): number | undefined => (s >= 155 && s < 430 ? 1 : undefined);
  const counter = (rate: (s: number) => number): Shape => {
    let total = 0;
    const values = new Map<number, number>();
    for (let s = 0; s <= seconds; s += 1) {
      total += rate(s);
      values.set(s, total);
    }
    return (s) => values.get(s);
  };
  const producedTotal = counter(produced);
  const data: Record<QueryId, RangeSeries[]> = {
    targetRate: [series({}, (s) => target(s))],
    producedRate: [series({}, (s) => (s > 421 ? undefined : produced(s)))],
    consumedRate: [series({}, consumed)],
    scoredRate: [series({}, (s) => consumed(s) * 0.999)],
    deadLetteredRate: [series({}, (s) => consumed(s) * 0.001)],
    lag: [series({}, (s) => lag.get(s))],
    apiRequestRate: [series({}, (s) => consumed(s) / 200 + 2)],
    apiP99Seconds: [series({}, (s) => 0.012 + 0.25 * Math.max(0, cpu(s, 0) - 0.6))],
    api5xxRate: [series({}, (s) => (s > 200 && s < 210 ? 1.5 : 0))],
    gateway429Rate: [series({}, (s) => (s > 130 && s < 300 ? 3 : 0))],
    gateway5xxRate: [series({}, () => 0)],
    currentReplicas: [series({}, replicas)],
    desiredReplicas: [series({}, (s) => replicas(s + 12))],
    maxReplicas: [series({}, () => 6)],
    cpuOverRequest: pods.map((p, i) => series({ pod: p.pod }, (s) => (s < p.born ? undefined : cpu(s, i)))),
    alerts: [
      series(
        { alertname: 'ScoringApiSaturatedAtMaxReplicas', alertstate: 'pending', pod: 'scoring-api-e' },
        alertPending,
      ),
      series(
        { alertname: 'ScoringApiSaturatedAtMaxReplicas', alertstate: 'firing', pod: 'scoring-api-e' },
        alertFiring,
      ),
    ],
    producedTotal: [series({ instance: 'attack' }, (s) => (s > 421 ? undefined : producedTotal(s)))],
    scoredTotal: [
      series(
        { instance: 'scorer' },
        counter((s) => consumed(s) * 0.999),
      ),
    ],
    deadLetteredTotal: [
      series(
        { instance: 'scorer' },
        counter((s) => consumed(s) * 0.001),
      ),
    ],
    // scoring-api-b restarts at +300 s: its counter starts again from zero.
    api5xxTotal: [
      series({ pod: 'scoring-api-a' }, (s) => (s > 200 ? 15 : 0)),
      series({ pod: 'scoring-api-b' }, (s) => (s < 300 ? 4 : 2)),
    ],
    gateway429Total: [
      series(
        { code: '429' },
        counter((s) => (s > 130 && s < 300 ? 3 : 0)),
      ),
    ],
    gateway5xxTotal: [],
  };
  return {
    data,
    attackStart: new Date((t0 + attackAt) * 1000),
    notificationAt: new Date((t0 + 158) * 1000),
  };
}

/** A RangeQuery answering the report's own queries from scenario data (and failing on anything else). */
function stubQuery(data: Record<QueryId, RangeSeries[]>, start: Date, end: Date): RangeQuery {
  const queries = reportQueries(names, queryWindows(profile.scrapeInterval, start, end).rateWindow);
  const byQuery = new Map(Object.entries(queries).map(([id, q]) => [q, id as QueryId]));
  return async (query) => {
    const id = byQuery.get(query);
    if (id === undefined) throw new Error(`unexpected query ${query}`);
    return data[id];
  };
}

function notificationLine(receivedAt: Date, status = 'firing'): string {
  return JSON.stringify({
    receivedAt: receivedAt.toISOString(),
    version: '4',
    groupKey: '{}:{alertname="ScoringApiSaturatedAtMaxReplicas"}',
    status,
    receiver: 'administrator',
    groupLabels: { alertname: 'ScoringApiSaturatedAtMaxReplicas' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://127.0.0.1:19093',
    alerts: [
      {
        status,
        labels: {
          alertname: 'ScoringApiSaturatedAtMaxReplicas',
          namespace: 'fraudops',
          pod: 'scoring-api-e',
          severity: 'critical',
        },
        annotations: {
          summary:
            'The scoring API runs at its maximum replicas and a replica is above 80% of its CPU request.',
          description:
            'Replica fraudops/scoring-api-e has used 93.4% of its CPU request for 5 minutes while the scoring-api HPA runs at its maximum replicas: autoscaling cannot add capacity.',
          runbook_url: 'docs/runbooks.md#scoringapisaturatedatmaxreplicas',
        },
        startsAt: new Date(receivedAt.getTime() - 3000).toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
      },
    ],
  });
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

const CHART_IDS = ['throughput', 'lag', 'api', 'replicas', 'cpu', 'errors'];

async function buildScenarioReport(outDir: string, extra: Partial<ReportOptions> = {}) {
  const start = new Date('2026-11-26T16:00:00Z');
  const end = new Date(start.getTime() + 600_000);
  const scenario = attackScenario(start);
  const notifications = join(outDir, 'notifications.jsonl');
  writeFileSync(
    notifications,
    [
      // Before the attack: another attack's page, which must not count.
      notificationLine(new Date(start.getTime() - 60_000)),
      notificationLine(scenario.notificationAt),
      notificationLine(new Date(scenario.notificationAt.getTime() + 300_000), 'resolved'),
      '{"receivedAt": "2026-11-26T16:09', // torn last line
    ].join('\n'),
  );
  const lines: string[] = [];
  const result = await buildReport({
    prometheusUrl: 'http://prometheus.invalid:9090',
    start,
    end,
    outDir,
    notificationsFile: notifications,
    profile,
    names,
    attack: {
      startedAt: scenario.attackStart,
      outcome: 'the administrator was notified',
      rampDescription: '2,000 events/s, +2,000 every 20 s, up to 20,000',
    },
    rangeQuery: stubQuery(scenario.data, start, end),
    log: (line) => lines.push(line),
    ...extra,
  });
  return { result, lines, scenario, start, end };
}

describe('the attack report, built from stub range data', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'fraudops-report-'));
  let built: Awaited<ReturnType<typeof buildScenarioReport>>;
  // Rendering six charts to SVG and PNG takes a second or two; more on a loaded CI machine.
  beforeAll(async () => {
    built = await buildScenarioReport(outDir);
  }, 60_000);

  it('summarizes the attack: the moments, the counts, the trigger', () => {
    const { result } = built;
    const s = result.summary;
    expect(s.reference.what).toBe('attack start');
    // Replicas reach 6 at +100 s, i.e. 96 s after the attack started at +4 s.
    expect(s.toMaxReplicas.value?.afterSeconds).toBe(96);
    expect(s.toPending.value?.afterSeconds).toBe(121);
    expect(s.toFiring.value?.afterSeconds).toBe(151);
    expect(s.toNotification.value?.afterSeconds).toBe(154);
    expect(s.trigger.value?.pod).toBe('scoring-api-e');
    expect(s.trigger.value?.cpuOverRequest).toBeGreaterThan(0.8);
    // 15 on one replica; 4, then a restart and 2 more on the other.
    expect(s.api5xx.value).toBe(17);
    expect(s.gateway429.value).toBe(3 * 169);
    expect(s.gateway5xx.value).toBe(0);
    expect(s.maxReplicasSeen.value).toBe(6);
    expect(s.notification?.alerts[0]?.labels.pod).toBe('scoring-api-e');
    expect(s.eventsProduced.value).toBeGreaterThan(5_000_000);
  });

  it('writes one self-contained HTML file with every chart inline and no script or remote resource', () => {
    const { result } = built;
    const html = readFileSync(result.htmlFile, 'utf8');
    for (const id of CHART_IDS) expect(html).toContain(`id="chart-${id}"`);
    expect(html.match(/<svg\b/g)?.length).toBe(CHART_IDS.length);
    expect(html).not.toMatch(/<script\b/i);
    expect(html).not.toMatch(/\b(src|href)="https?:/i);
    expect(html).toContain('The administrator was notified 2 min 34 s after the attack started.');
    expect(html).toContain('scoring-api-e');
    expect(html).toContain('The scoring API runs at its maximum replicas');
  });

  it('writes a valid PNG of a plausible size for every chart, with report.json beside it', () => {
    const { result } = built;
    expect(result.pngFiles.map((f) => f.slice(f.lastIndexOf('/') + 1)).sort()).toEqual(
      CHART_IDS.map((id) => `${id}.png`).sort(),
    );
    for (const file of result.pngFiles) {
      const { width, height } = pngSize(file);
      expect(width).toBe(2200);
      expect(height).toBeGreaterThanOrEqual(680);
      // A blank or textless render compresses to a few kilobytes; real charts are tens of kilobytes.
      expect(statSync(file).size).toBeGreaterThan(30_000);
      expect(statSync(file).size).toBeLessThan(1_500_000);
    }
    const json = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as {
      summary: { toFiring: { value: { afterSeconds: number } } };
      series: Record<string, unknown[]>;
    };
    expect(json.summary.toFiring.value.afterSeconds).toBe(151);
    expect(Object.keys(json.series)).toContain('cpuOverRequest');
  });

  it(
    'still builds when Prometheus has nothing, saying why every cell is empty',
    { timeout: 60_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fraudops-report-empty-'));
      const start = new Date('2026-11-26T16:00:00Z');
      const { htmlFile, pngFiles, summary } = await buildReport({
        prometheusUrl: 'http://prometheus.invalid:9090',
        start,
        end: new Date(start.getTime() + 1_800_000),
        outDir: dir,
        notificationsFile: join(dir, 'missing.jsonl'),
        profile: { name: 'prod', scrapeInterval: '15s' },
        names,
        rangeQuery: async () => [],
      });
      expect(pngFiles).toHaveLength(CHART_IDS.length);
      expect(summary.toNotification).toEqual({
        value: null,
        why: expect.stringMatching(/does not exist/) as string,
      });
      expect(summary.eventsProduced.value).toBeNull();
      const html = readFileSync(htmlFile, 'utf8');
      expect(html).toContain('No data in this window');
      expect(html).toContain('class="dash"');
      expect(html).toContain('No saturation alert fired in this window.');
    },
  );

  it('names the query and Prometheus’ reason when a query fails', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fraudops-report-fail-'));
    await expect(
      buildScenarioReport(dir, {
        rangeQuery: async (query) => {
          throw new Error(`Prometheus refused the range query ${query}: parse error`);
        },
      }),
    ).rejects.toThrow(/range query .+: parse error/);
  });
});

/** Debian's Chromium (apt-get install chromium), or another Chromium-family browser on PATH. */
function findChromium(): string | null {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim() !== '') return found.stdout.trim();
  }
  return null;
}

const chromium = findChromium();

describe('the report in a real headless browser', () => {
  // Not a silent pass: vitest lists this as skipped with its name. CI installs the browser
  // (apt-get install --no-install-recommends chromium fonts-dejavu-core).
  it.skipIf(chromium === null)(
    chromium === null
      ? 'renders in headless Chromium: SKIPPED, no chromium on PATH (apt-get install --no-install-recommends chromium fonts-dejavu-core)'
      : `renders every chart and the summary table in headless Chromium (${chromium})`,
    { timeout: 120_000 },
    async () => {
      const outDir = mkdtempSync(join(tmpdir(), 'fraudops-report-browser-'));
      const { result } = await buildScenarioReport(outDir);
      const url = pathToFileURL(result.htmlFile).href;
      const flags = [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--hide-scrollbars',
        `--user-data-dir=${join(outDir, 'profile')}`,
      ];
      const dom = execFileSync(chromium as string, [...flags, '--dump-dom', url], {
        encoding: 'utf8',
        timeout: 60_000,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      // What the browser parsed and laid out, not the file: each chart's SVG with its drawn text.
      expect(dom.match(/<svg\b/g)?.length).toBe(CHART_IDS.length);
      for (const id of CHART_IDS) expect(dom).toMatch(new RegExp(`id="chart-${id}"[\\s\\S]*?<svg\\b`));
      expect(dom).toContain('Kafka throughput (events/s)');
      expect(dom).toMatch(/<table class="summary">[\s\S]*Time to alert firing[\s\S]*<\/table>/);

      const screenshot = join(outDir, 'screenshot.png');
      execFileSync(
        chromium as string,
        [...flags, `--screenshot=${screenshot}`, '--window-size=1280,4200', url],
        {
          timeout: 60_000,
          stdio: 'ignore',
        },
      );
      const { width, height } = pngSize(screenshot);
      expect([width, height]).toEqual([1280, 4200]);
      expect(statSync(screenshot).size).toBeGreaterThan(100_000);
      expect(readdirSync(outDir)).toContain('report.html');
    },
  );
});
