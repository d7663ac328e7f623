// The attack report: Prometheus range queries over a window and the receiver's notifications in; a
// self-contained report.html, charts/*.png and report.json out. `fraudops report` and the attack call this.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadProjectConfig } from '@fraudops/config';
import { reportCharts, renderSvg, type ChartContext, type ReportData } from './charts.ts';
import { clockTime, formatElapsed } from './format.ts';
import { renderHtml } from './html.ts';
import { firstFiringNotification, readNotifications, type ReceivedNotification } from './notifications.ts';
import { findFonts, svgToPng } from './png.ts';
import { prometheusRangeQuery, type RangeQuery, type RangeSeries } from './prometheus-client.ts';
import { queryWindows, reportQueries, type QueryId, type StackNames } from './report-queries.ts';
import { noNotificationReason, summarize, type ReportSummary } from './report-summary.ts';
import { alertSpans, known, unknownBecause, type Known } from './summary.ts';

export type { ReportSummary, Moment } from './report-summary.ts';
export type { Known } from './summary.ts';
export type { RangeQuery, RangeSeries, QueryRange, Point } from './prometheus-client.ts';
export type { StackNames } from './report-queries.ts';

export interface ReportOptions {
  /** e.g. http://127.0.0.1:19090 */
  prometheusUrl: string;
  /** The window. */
  start: Date;
  end: Date;
  /** Receives report.html, report.json (summary and series) and charts/*.png; created when missing. */
  outDir: string;
  /** The alert receiver's JSON Lines file: one {receivedAt, ...Alertmanager webhook payload} per line. */
  notificationsFile: string;
  /** 'prod' (15s scrape) or 'fast' (1s scrape): the step and rate windows follow the scrape interval. */
  profile: { name: string; scrapeInterval: string };
  title?: string;
  /** What the attack generator knows, when there is one: moments are then counted from its start. */
  attack?: { startedAt: Date; outcome: string; rampDescription: string };
  log?: (line: string) => void;
  /** The topic and Deployment names the queries select; from fraudops.config.json by default. */
  names?: StackNames;
  /** Runs the range queries; Prometheus' HTTP API at prometheusUrl by default (tests pass a stub). */
  rangeQuery?: RangeQuery;
}

export interface ReportResult {
  htmlFile: string;
  pngFiles: string[];
  summary: ReportSummary;
}

export async function buildReport(options: ReportOptions): Promise<ReportResult> {
  const log = options.log ?? (() => undefined);
  if (!(options.end > options.start))
    throw new Error(
      `the report window is empty: ${options.start.toISOString()} is not before ${options.end.toISOString()}`,
    );
  const names = options.names ?? defaultNames();
  const windows = queryWindows(options.profile.scrapeInterval, options.start, options.end);
  const queries = reportQueries(names, windows.rateWindow);
  const rangeQuery = options.rangeQuery ?? prometheusRangeQuery(options.prometheusUrl);
  log(
    `report: ${Object.keys(queries).length} range queries over ${clockTime(options.start.getTime())}–${clockTime(options.end.getTime())} ` +
      `(step ${windows.stepSeconds} s, rate window ${windows.rateWindow}) at ${options.prometheusUrl}`,
  );
  const range = { start: options.start, end: options.end, stepSeconds: windows.stepSeconds };
  const entries = await Promise.all(
    (Object.entries(queries) as [QueryId, string][]).map(
      async ([id, query]): Promise<[QueryId, RangeSeries[]]> => [id, await rangeQuery(query, range)],
    ),
  );
  const data = Object.fromEntries(entries) as Record<QueryId, RangeSeries[]>;

  const notification = await findNotification(options);
  const summary = summarize({
    title: options.title ?? defaultTitle(options),
    start: options.start,
    end: options.end,
    windows,
    profile: options.profile,
    attack: options.attack ?? null,
    data,
    notification,
  });

  const ctx: ChartContext = {
    startMs: options.start.getTime(),
    endMs: options.end.getTime(),
    stepSeconds: windows.stepSeconds,
    attackStartMs: options.attack ? options.attack.startedAt.getTime() : null,
    notifiedAtMs: notification.value ? Date.parse(notification.value.receivedAt) : null,
    alertSpans: alertSpans(data.alerts, windows.stepSeconds),
    maxReplicas: summary.maxReplicas.value,
  };
  const outDir = resolve(options.outDir);
  await mkdir(join(outDir, 'charts'), { recursive: true });
  const fonts = findFonts();
  if (fonts.family === null)
    log(
      'report: neither DejaVu Sans nor Liberation Sans is installed; PNG text uses whatever fonts the system has',
    );
  const charts = await Promise.all(
    reportCharts(data as ReportData, ctx).map(async (definition) => {
      const { svg } = renderSvg(definition);
      const pngFile = join(outDir, 'charts', `${definition.id}.png`);
      await writeFile(pngFile, svgToPng(svg, fonts));
      return { ...definition, svg, pngFile, relativePng: `charts/${definition.id}.png` };
    }),
  );

  const htmlFile = join(outDir, 'report.html');
  await writeFile(
    htmlFile,
    renderHtml({
      summary,
      charts: charts.map((c) => ({
        id: c.id,
        title: c.title,
        caption: c.caption,
        svg: c.svg,
        pngFile: c.relativePng,
        missing: c.missing,
      })),
      queries,
      generatedAt: new Date(),
    }),
  );
  await writeFile(
    join(outDir, 'report.json'),
    `${JSON.stringify({ summary, step: windows.stepSeconds, queries, series: data }, null, 1)}\n`,
  );
  const empty = charts.filter((c) => c.missing.length > 0).map((c) => `${c.id} (${c.missing.join(', ')})`);
  if (empty.length > 0) log(`report: no data for ${empty.join('; ')}`);
  log(
    summary.toNotification.value
      ? `report: notified ${formatElapsed(summary.toNotification.value.afterSeconds)} after the ${summary.reference.what}`
      : `report: no notification (${summary.toNotification.why})`,
  );
  return { htmlFile, pngFiles: charts.map((c) => c.pngFile), summary };
}

function defaultNames(): StackNames {
  const config = loadProjectConfig();
  return { transactionsTopic: config.stack.kafka.topics.transactions, deployment: config.stack.deployment };
}

function defaultTitle(options: ReportOptions): string {
  return options.attack ? 'Attack report' : 'Scoring stack report';
}

/** The first firing notification after the attack started (or the window began) and before its end. */
async function findNotification(options: ReportOptions): Promise<Known<ReceivedNotification>> {
  const read = await readNotifications(options.notificationsFile);
  if (read.notifications === null) return unknownBecause(read.why);
  const from =
    options.attack && options.attack.startedAt > options.start ? options.attack.startedAt : options.start;
  const found = firstFiringNotification(read.notifications, from, options.end);
  return found ? known(found) : unknownBecause(noNotificationReason(from, options.end));
}
