// The report's charts as ECharts options (pure: range data and moments in, an option out), and their
// server-side rendering to SVG. One look for all of them, close to a Grafana panel: title with the unit,
// legend below, local clock time on the x axis, the alert's pending and firing spans shaded, and the moment
// the administrator was notified as a vertical line on every chart.
import * as echarts from 'echarts';
import { clockTime, compactNumber, dateTime } from './format.ts';
import type { Point, RangeSeries } from './prometheus-client.ts';
import { CPU_ALERT_THRESHOLD, type QueryId } from './report-queries.ts';
import type { AlertSpan } from './summary.ts';
import { measureText, FONT_FAMILY } from './text-metrics.ts';

// ECharts lays out legends, labels and titles with measured text; without a canvas it would assume Arial's
// widths, narrower than the DejaVu Sans the PNGs are drawn with, and legend items would overlap.
echarts.setPlatformAPI({ measureText });

export const CHART_WIDTH = 1100;
export const CHART_HEIGHT = 340;
const EMPTY_HEIGHT = 190;

const GRID_LEFT = 64;
const GRID_RIGHT = 64;
const GRID_TOP = 66;
const LEGEND_ROW = 22;

/** Colours from Grafana's classic palette, deepened a little to read on white. */
export const COLORS = {
  green: '#37872D',
  blue: '#1F60C4',
  orange: '#FA6400',
  red: '#C4162A',
  purple: '#8F3BB8',
  yellow: '#CC9D00',
  grey: '#6E7079',
} as const;
const POD_COLORS = [
  '#1F60C4',
  '#FA6400',
  '#37872D',
  '#8F3BB8',
  '#C4162A',
  '#0B8A8A',
  '#CC9D00',
  '#E05AA0',
  '#5E4B3C',
  '#6E7079',
];
// Legend icons drawn as a line, like Grafana's: ECharts scales a path's bounding box to the icon's size, so
// the bare moves to (0,0) and (22,10) keep the stroke thin and centred.
const LINE_ICON = 'path://M0,0 M0,4 L22,4 L22,6 L0,6 Z M22,10';
const DASHED_ICON = 'path://M0,0 M0,4 L9,4 L9,6 L0,6 Z M13,4 L22,4 L22,6 L13,6 Z M22,10';
const PENDING_FILL = 'rgba(255, 170, 0, 0.16)';
const FIRING_FILL = 'rgba(224, 47, 68, 0.16)';
const NOTIFIED = '#8F3BB8';

export type ReportData = Readonly<Record<QueryId, readonly RangeSeries[]>>;

/** What every chart marks besides its own series. Times in Unix milliseconds. */
export interface ChartContext {
  startMs: number;
  endMs: number;
  stepSeconds: number;
  attackStartMs: number | null;
  notifiedAtMs: number | null;
  alertSpans: readonly AlertSpan[];
  /** The HPA's maxReplicas, when Prometheus has it. */
  maxReplicas: number | null;
}

export interface ChartDefinition {
  id: string;
  title: string;
  /** One sentence under the chart in the HTML: what to look for. */
  caption: string;
  option: echarts.EChartsOption;
  /** Series that had no data in the window, by their legend name. */
  missing: string[];
  /** Pixels; taller than CHART_HEIGHT when the legend needs more than one row. */
  height: number;
}

interface Line {
  name: string;
  series: RangeSeries | undefined;
  color: string;
  scale?: number;
  dashed?: boolean;
  area?: boolean;
  step?: boolean;
  yAxisIndex?: number;
  width?: number;
}

type Datum = [number, number | '-'];

/**
 * Points as ECharts data in milliseconds, with a break ('-') wherever a series skipped more than two
 * steps: a replica that went away, an attack that ended. Drawing a line across the gap would invent data.
 */
export function toChartData(points: readonly Point[], stepSeconds: number, scale = 1): Datum[] {
  const data: Datum[] = [];
  let previous: number | null = null;
  for (const [t, value] of points) {
    if (previous !== null && t - previous > stepSeconds * 2.5)
      data.push([(previous + stepSeconds) * 1000, '-']);
    data.push([t * 1000, value * scale]);
    previous = t;
  }
  return data;
}

function lineSeries(line: Line, stepSeconds: number): echarts.LineSeriesOption {
  return {
    type: 'line',
    name: line.name,
    data: toChartData(line.series?.points ?? [], stepSeconds, line.scale ?? 1),
    yAxisIndex: line.yAxisIndex ?? 0,
    showSymbol: false,
    symbol: 'none',
    step: line.step === true ? 'end' : false,
    color: line.color,
    lineStyle: {
      width: line.width ?? 1.6,
      color: line.color,
      type: line.dashed === true ? 'dashed' : 'solid',
    },
    ...(line.area === true ? { areaStyle: { color: line.color, opacity: 0.12 } } : {}),
    emphasis: { disabled: true },
  };
}

/** The markers every chart carries, on a series of their own so that they show without any data. */
function markerSeries(
  ctx: ChartContext,
  options: { shadeAlert: boolean; yLines?: YLine[] },
): echarts.LineSeriesOption {
  const vertical: NonNullable<NonNullable<echarts.LineSeriesOption['markLine']>['data']> = [];
  if (ctx.attackStartMs !== null)
    vertical.push({
      xAxis: ctx.attackStartMs,
      lineStyle: { color: COLORS.grey, type: 'dashed', width: 1.2 },
      label: {
        show: true,
        // Level above the plot like the notification's: text along the line would sit on the y axis.
        position: 'end',
        formatter: 'attack start',
        color: COLORS.grey,
        fontSize: 11,
      },
    });
  if (ctx.notifiedAtMs !== null)
    vertical.push({
      xAxis: ctx.notifiedAtMs,
      lineStyle: { color: NOTIFIED, type: 'solid', width: 2 },
      label: {
        show: true,
        position: 'end',
        formatter: `notified ${clockTime(ctx.notifiedAtMs)}`,
        color: NOTIFIED,
        fontWeight: 'bold',
        fontSize: 12,
      },
    });
  for (const line of options.yLines ?? [])
    vertical.push({
      yAxis: line.value,
      lineStyle: { color: line.color, type: 'dashed', width: 1.4 },
      label: {
        show: true,
        // At the left end: before the attack the lines run low, so the words stay clear of the data.
        position: 'insideStartTop',
        formatter: line.label,
        color: line.color,
        fontSize: 11,
        fontWeight: 'bold',
      },
    });
  const plotWidth = CHART_WIDTH - GRID_LEFT - GRID_RIGHT;
  const spanPx = (span: AlertSpan): number =>
    ((span.to - span.from) * 1000 * plotWidth) / (ctx.endMs - ctx.startMs);
  const areas = options.shadeAlert
    ? ctx.alertSpans.map((span): [Record<string, unknown>, Record<string, unknown>] => [
        {
          xAxis: span.from * 1000,
          itemStyle: { color: span.state === 'firing' ? FIRING_FILL : PENDING_FILL },
          label: {
            // Only where the span is wide enough for its word; the legend names the colours anyway.
            show: spanPx(span) >= 56,
            // Firing at its right end: the notification line usually follows its start within seconds.
            position: span.state === 'firing' ? 'insideTopRight' : 'insideTopLeft',
            formatter: span.state,
            color: span.state === 'firing' ? COLORS.red : '#A36A00',
            fontSize: 11,
          },
        },
        { xAxis: Math.min(span.to * 1000, ctx.endMs) },
      ])
    : [];
  return {
    type: 'line',
    name: '',
    data: [],
    silent: true,
    markLine: { silent: true, symbol: ['none', 'none'], animation: false, data: vertical },
    markArea: { silent: true, animation: false, data: areas },
  };
}

interface YLine {
  value: number;
  label: string;
  color: string;
}

/** Legend entries for the shaded spans, which are not series of their own. */
function spanLegendSeries(ctx: ChartContext): echarts.LineSeriesOption[] {
  const states = new Set(ctx.alertSpans.map((s) => s.state));
  return (['pending', 'firing'] as const)
    .filter((state) => states.has(state))
    .map((state) => ({
      type: 'line',
      name: `alert ${state}`,
      data: [],
      color: state === 'firing' ? FIRING_FILL.replace('0.16', '0.5') : PENDING_FILL.replace('0.16', '0.6'),
    }));
}

function estimateLegendRows(names: readonly string[]): number {
  const available = CHART_WIDTH - 40;
  let rows = 1;
  let x = 0;
  for (const name of names) {
    const width = 25 + 5 + measureText(name, `12px ${FONT_FAMILY}`).width + 14;
    if (x + width > available && x > 0) {
      rows += 1;
      x = 0;
    }
    x += width;
  }
  return rows;
}

interface ChartInput {
  id: string;
  title: string;
  caption: string;
  lines: Line[];
  yAxis: echarts.YAXisComponentOption | echarts.YAXisComponentOption[];
  shadeAlert?: boolean;
  yLines?: YLine[];
}

function buildChart(ctx: ChartContext, input: ChartInput): ChartDefinition {
  const present = input.lines.filter((l) => l.series !== undefined && l.series.points.length > 0);
  const missing = input.lines.filter((l) => !present.includes(l)).map((l) => l.name);
  const spanLegend = input.shadeAlert === true ? spanLegendSeries(ctx) : [];
  const legendItems = [
    ...present.map((l) => ({ name: l.name, icon: l.dashed === true ? DASHED_ICON : LINE_ICON })),
    ...spanLegend.map((s) => ({ name: s.name as string, icon: 'rect' })),
  ];
  const legendRows = estimateLegendRows(legendItems.map((item) => item.name));
  // An empty chart still shows the window and its markers, at half the height.
  const height = present.length === 0 ? EMPTY_HEIGHT : CHART_HEIGHT + (legendRows - 1) * LEGEND_ROW;
  const gridBottom = present.length === 0 ? 30 : 34 + legendRows * LEGEND_ROW;
  // Said once: in the middle when the whole chart is empty, under the title when only some series are.
  const noData = present.length === 0 ? '' : missing.length > 0 ? `no data: ${missing.join(', ')}` : '';
  const series: echarts.LineSeriesOption[] = [
    ...present.map((line) => lineSeries(line, ctx.stepSeconds)),
    ...spanLegend,
    markerSeries(ctx, {
      shadeAlert: input.shadeAlert === true,
      ...(input.yLines ? { yLines: input.yLines } : {}),
    }),
  ];
  const option: echarts.EChartsOption = {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: FONT_FAMILY, color: '#24292f' },
    title: {
      text: input.title,
      left: 12,
      top: 10,
      textStyle: { fontSize: 15, fontWeight: 'bold', color: '#1f2328' },
      subtext: noData,
      subtextStyle: { color: '#8a6d00', fontSize: 12 },
      itemGap: 4,
    },
    legend: {
      show: legendItems.length > 0,
      data: legendItems,
      bottom: 8,
      left: 20,
      right: 20,
      itemWidth: 22,
      itemHeight: 10,
      itemGap: 14,
      textStyle: { fontSize: 12, color: '#3d4450' },
    },
    grid: { left: GRID_LEFT, right: GRID_RIGHT, top: GRID_TOP, bottom: gridBottom },
    xAxis: {
      type: 'time',
      min: ctx.startMs,
      max: ctx.endMs,
      splitNumber: 10,
      axisLine: { lineStyle: { color: '#9aa0a6' } },
      axisTick: { show: true, lineStyle: { color: '#9aa0a6' } },
      axisLabel: {
        color: '#57606a',
        fontSize: 11,
        hideOverlap: true,
        formatter: timeAxisLabel(ctx.endMs - ctx.startMs),
      },
      splitLine: { show: true, lineStyle: { color: '#eceef1' } },
    },
    yAxis: input.yAxis,
    series,
    ...(present.length === 0
      ? {
          graphic: [
            {
              type: 'text',
              left: 'center',
              top: 'middle',
              style: {
                text: 'No data in this window',
                fill: '#8c959f',
                fontSize: 16,
                fontFamily: FONT_FAMILY,
              },
            },
          ],
        }
      : {}),
  };
  return { id: input.id, title: input.title, caption: input.caption, option, missing, height };
}

/**
 * Local clock time at the ticks (ECharts puts about ten in a window): with seconds only when ticks are
 * less than a minute apart, with the day when the window spans days.
 */
export function timeAxisLabel(spanMs: number): (value: number) => string {
  if (spanMs >= 24 * 3600 * 1000) return (value) => dateTime(value).slice(5, 16);
  const withSeconds = spanMs / 10 < 60_000;
  return (value) => clockTime(value, withSeconds);
}

function valueAxis(extra: echarts.YAXisComponentOption = {}): echarts.YAXisComponentOption {
  return {
    type: 'value',
    min: 0,
    axisLabel: { color: '#57606a', fontSize: 11, formatter: (value: number) => compactNumber(value) },
    splitLine: { lineStyle: { color: '#eceef1' } },
    ...extra,
  } as echarts.YAXisComponentOption;
}

/** The six charts of the report, in reading order. */
export function reportCharts(data: ReportData, ctx: ChartContext): ChartDefinition[] {
  const one = (id: QueryId): RangeSeries | undefined => data[id][0];
  const pods = [...data.cpuOverRequest].sort((a, b) =>
    (a.labels.pod ?? '').localeCompare(b.labels.pod ?? ''),
  );
  const maxReplicas = ctx.maxReplicas;
  const replicaCeiling = Math.max(
    maxReplicas ?? 0,
    ...data.currentReplicas.flatMap((s) => s.points.map((p) => p[1])),
    ...data.desiredReplicas.flatMap((s) => s.points.map((p) => p[1])),
  );
  return [
    buildChart(ctx, {
      id: 'throughput',
      title: 'Kafka throughput (events/s)',
      caption:
        'The attack’s target rate climbs in steps; produced follows it while the broker keeps up, and consumed ' +
        'and scored show how much of it the stream scorer gets through the scoring API.',
      lines: [
        {
          name: 'target (ramp)',
          series: one('targetRate'),
          color: COLORS.grey,
          dashed: true,
          step: true,
          width: 1.4,
        },
        { name: 'produced', series: one('producedRate'), color: COLORS.blue, width: 2 },
        // Scored is nearly consumed: a wide line under a thin one keeps both visible.
        { name: 'consumed', series: one('consumedRate'), color: COLORS.orange, width: 3.5 },
        { name: 'scored', series: one('scoredRate'), color: COLORS.green, width: 1.4 },
      ],
      yAxis: valueAxis(),
    }),
    buildChart(ctx, {
      id: 'lag',
      title: 'Consumer lag on the transactions topic (events)',
      caption:
        'Events written but not yet consumed: it grows while the scorers fall behind and drains after.',
      lines: [{ name: 'lag', series: one('lag'), color: COLORS.purple, area: true, width: 2 }],
      yAxis: valueAxis(),
    }),
    buildChart(ctx, {
      id: 'api',
      title: 'Scoring API: requests/s and p99 latency (ms)',
      caption:
        'Requests to /predict and /predict/batch over all replicas, and the 99th percentile of their latency.',
      lines: [
        { name: 'requests/s', series: one('apiRequestRate'), color: COLORS.blue, area: true, width: 2 },
        {
          name: 'p99 latency, ms (right axis)',
          series: one('apiP99Seconds'),
          color: COLORS.orange,
          scale: 1000,
          yAxisIndex: 1,
        },
      ],
      // Each axis in its series' colour says which line it measures.
      yAxis: [
        valueAxis({
          axisLabel: { color: COLORS.blue, fontSize: 11, formatter: (value: number) => compactNumber(value) },
        }),
        valueAxis({
          position: 'right',
          splitLine: { show: false },
          axisLabel: {
            color: COLORS.orange,
            fontSize: 11,
            formatter: (value: number) => `${compactNumber(value)} ms`,
          },
        }),
      ],
    }),
    buildChart(ctx, {
      id: 'replicas',
      title: 'Scoring API replicas',
      caption:
        'The HPA twin’s current and desired replicas. The alert can only fire at the maximum: ' +
        'there is no more capacity to add.',
      lines: [
        {
          name: 'current',
          series: one('currentReplicas'),
          color: COLORS.blue,
          step: true,
          area: true,
          width: 2.2,
        },
        {
          name: 'desired',
          series: one('desiredReplicas'),
          color: COLORS.orange,
          step: true,
          dashed: true,
          width: 1.6,
        },
      ],
      yAxis: valueAxis({ max: replicaCeiling > 0 ? replicaCeiling + 1 : 1, interval: 1 }),
      shadeAlert: true,
      ...(maxReplicas === null
        ? {}
        : { yLines: [{ value: maxReplicas, label: `max ${maxReplicas} replicas`, color: COLORS.red }] }),
    }),
    buildChart(ctx, {
      id: 'cpu',
      title: 'CPU per replica (% of its CPU request)',
      caption:
        `Each replica’s CPU over its request (the HPA’s metric). Above ${Math.round(CPU_ALERT_THRESHOLD * 100)}% ` +
        'at the maximum replicas the alert goes pending, and fires once that has lasted the rule’s “for” period.',
      lines: pods.map((s, i) => ({
        name: s.labels.pod ?? `replica ${i + 1}`,
        series: s,
        color: POD_COLORS[i % POD_COLORS.length] ?? COLORS.blue,
        scale: 100,
        width: 1.5,
      })),
      yAxis: valueAxis({
        max: (extent: { max: number }) => Math.max(100, Math.ceil(extent.max / 20) * 20),
        axisLabel: { color: '#57606a', fontSize: 11, formatter: (value: number) => `${value}%` },
      }),
      shadeAlert: true,
      yLines: [
        {
          value: CPU_ALERT_THRESHOLD * 100,
          label: `${Math.round(CPU_ALERT_THRESHOLD * 100)}% (alert threshold)`,
          color: COLORS.red,
        },
      ],
    }),
    buildChart(ctx, {
      id: 'errors',
      title: 'Refused and failed (per second)',
      caption:
        'Events sent to the dead-letter topic (invalid on purpose, or unscorable), 5xx answers of the scoring ' +
        'API, and the gateway’s rate-limit refusals (429) and 5xx.',
      lines: [
        { name: 'dead-lettered events', series: one('deadLetteredRate'), color: COLORS.purple },
        { name: 'API 5xx', series: one('api5xxRate'), color: COLORS.red },
        { name: 'gateway 429', series: one('gateway429Rate'), color: COLORS.yellow },
        { name: 'gateway 5xx', series: one('gateway5xxRate'), color: COLORS.orange, dashed: true },
      ],
      yAxis: valueAxis(),
    }),
  ];
}

/**
 * Renders an option to a standalone SVG. ECharts adds :hover styles for interactive use; a report is
 * static, so they are dropped (in a browser they would recolour legend text under the mouse).
 */
export function renderSvg(definition: ChartDefinition): { svg: string; width: number; height: number } {
  const { height } = definition;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: CHART_WIDTH, height });
  try {
    chart.setOption(definition.option);
    const svg = chart
      .renderToSVGString()
      .replace(/<style[^>]*>[\s\S]*?<\/style>/g, '')
      // Unique ids per chart, so that several inline SVGs in one page never share a clip path.
      .replaceAll(/\bzr\d+-/g, `chart-${definition.id}-`);
    return { svg, width: CHART_WIDTH, height };
  } finally {
    chart.dispose();
  }
}
