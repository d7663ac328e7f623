// The report page: one self-contained HTML file (inline SVG charts and CSS, no script, no network), laid
// out to be looked at: the outcome in one sentence, the key moments as cards, the charts, then the table,
// the notification as received, and how the data was queried. Pure: a string from the summary and SVGs.
import {
  clockTime,
  dateTime,
  formatCount,
  formatElapsed,
  formatElapsedShort,
  formatNumber,
  formatPercent,
  timeZoneLabel,
} from './format.ts';
import type { Moment, ReportSummary } from './report-summary.ts';
import type { Known } from './summary.ts';

export interface HtmlChart {
  id: string;
  title: string;
  caption: string;
  svg: string;
  pngFile: string;
  missing: readonly string[];
}

export interface HtmlInput {
  summary: ReportSummary;
  charts: readonly HtmlChart[];
  queries: Readonly<Record<string, string>>;
  generatedAt: Date;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** Collects the reasons behind "—" cells as numbered footnotes. */
class Footnotes {
  readonly notes: string[] = [];

  /** "—" with the reason as a tooltip and a footnote number (tooltips do not print or screenshot). */
  dash(why: string): string {
    let index = this.notes.indexOf(why);
    if (index < 0) index = this.notes.push(why) - 1;
    return `<span class="dash" title="${escapeHtml(why)}">—<sup>${index + 1}</sup></span>`;
  }

  render(): string {
    if (this.notes.length === 0) return '';
    return `<ol class="notes">${this.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ol>`;
  }
}

const ms = (iso: string): number => Date.parse(iso);

function elapsedText(m: Moment): string {
  return m.afterSeconds < 0 ? `${formatElapsed(-m.afterSeconds)} before` : formatElapsed(m.afterSeconds);
}

function verdict(s: ReportSummary): { tone: 'good' | 'bad' | 'neutral'; text: string } {
  const from = s.reference.what === 'attack start' ? 'after the attack started' : 'after the window began';
  if (s.toNotification.value !== null)
    return {
      tone: 'good',
      text: `The administrator was notified ${elapsedText(s.toNotification.value)} ${from}.`,
    };
  if (s.toFiring.value !== null)
    return {
      tone: 'bad',
      text: `The alert fired ${elapsedText(s.toFiring.value)} ${from}, but no notification reached the receiver in this window.`,
    };
  if (s.attack !== null) return { tone: 'bad', text: `No notification in this window: ${s.attack.outcome}.` };
  if (s.toPending.value !== null)
    return { tone: 'neutral', text: 'The saturation alert went pending but never fired in this window.' };
  return { tone: 'neutral', text: 'No saturation alert fired in this window.' };
}

interface Card {
  label: string;
  value: string;
  detail: string;
  tone?: 'good' | 'bad' | 'warn';
}

/** A card has room for a few words; the full reason is in the summary table's notes. */
function momentCard(label: string, m: Known<Moment>, tone: Card['tone'], short: string): Card {
  if (m.value === null) return { label, value: '—', detail: short };
  return {
    label,
    value: m.value.afterSeconds < 0 ? elapsedText(m.value) : formatElapsedShort(m.value.afterSeconds),
    detail: `at ${clockTime(ms(m.value.at))}`,
    ...(tone === undefined ? {} : { tone }),
  };
}

function countCard(label: string, k: Known<number>, detail: string): Card {
  return k.value === null
    ? { label, value: '—', detail: 'no data in this window' }
    : { label, value: formatCount(k.value), detail };
}

function cards(s: ReportSummary): Card[] {
  const max = s.maxReplicas.value;
  const lag = s.peakLag;
  return [
    momentCard(
      `Time to ${max ?? 'max'} replicas`,
      s.toMaxReplicas,
      undefined,
      s.maxReplicasSeen.value === null
        ? 'no replica data'
        : `never reached (at most ${s.maxReplicasSeen.value})`,
    ),
    momentCard('Alert pending', s.toPending, 'warn', 'never pending in this window'),
    momentCard('Alert firing', s.toFiring, 'bad', 'never fired in this window'),
    momentCard('Administrator notified', s.toNotification, 'good', 'no notification in this window'),
    countCard('Events produced', s.eventsProduced, 'written to the transactions topic'),
    'why' in lag
      ? { label: 'Peak consumer lag', value: '—', detail: 'no data in this window' }
      : {
          label: 'Peak consumer lag',
          value: formatCount(lag.value.value),
          detail: `at ${clockTime(ms(lag.value.at))}`,
        },
  ];
}

function renderCard(card: Card): string {
  return `<div class="card${card.tone ? ` ${card.tone}` : ''}${card.value === '—' ? ' missing' : ''}">
      <div class="label">${escapeHtml(card.label)}</div>
      <div class="value">${escapeHtml(card.value)}</div>
      <div class="detail">${escapeHtml(card.detail)}</div>
    </div>`;
}

/** The moments in the order they happened, relative to the reference. */
function timeline(s: ReportSummary): string {
  const items: { at: number; text: string; kind: string }[] = [];
  const add = (m: Known<Moment>, text: string, kind: string): void => {
    if (m.value !== null) items.push({ at: ms(m.value.at), text, kind });
  };
  items.push({
    at: ms(s.reference.at),
    text: s.attack ? `attack started: ${s.attack.rampDescription}` : 'window start',
    kind: 'start',
  });
  add(s.toMaxReplicas, `${s.maxReplicas.value ?? 'max'} replicas running (the HPA's maximum)`, 'replicas');
  const trigger = s.trigger.value;
  add(
    s.toPending,
    'alert pending: a replica above 80% of its CPU request at the maximum replicas',
    'pending',
  );
  add(
    s.toFiring,
    trigger
      ? `alert firing, hottest replica ${trigger.pod}${trigger.cpuOverRequest === null ? '' : ` at ${formatPercent(trigger.cpuOverRequest)} of its CPU request`}`
      : 'alert firing',
    'firing',
  );
  add(s.toNotification, `notification received by "${s.notification?.receiver ?? '?'}"`, 'notified');
  items.sort((a, b) => a.at - b.at);
  const ref = ms(s.reference.at);
  return `<ol class="timeline">${items
    .map(
      (i) =>
        `<li class="${i.kind}"><span class="t">${clockTime(i.at)}</span><span class="rel">${i.at === ref ? '' : `+${formatElapsed((i.at - ref) / 1000)}`}</span><span class="what">${escapeHtml(i.text)}</span></li>`,
    )
    .join('')}</ol>`;
}

function summaryTable(s: ReportSummary, notes: Footnotes): string {
  const cell = <T>(k: Known<T>, show: (value: T) => string): string =>
    'why' in k ? notes.dash(k.why) : escapeHtml(show(k.value));
  const moment = (k: Known<Moment>): string => cell(k, (m) => `${elapsedText(m)}  (${clockTime(ms(m.at))})`);
  const span = (ms(s.window.end) - ms(s.window.start)) / 1000;
  const ref = `${s.reference.what} ${clockTime(ms(s.reference.at))}`;
  const rows: [string, string][] = [
    [
      'Window',
      escapeHtml(`${dateTime(ms(s.window.start))} – ${clockTime(ms(s.window.end))} (${formatElapsed(span)})`),
    ],
    [
      'Profile',
      escapeHtml(
        `${s.profile.name}: scrape every ${s.profile.scrapeInterval}, step ${s.window.stepSeconds} s, rate window ${s.window.rateWindow}`,
      ),
    ],
    ['Times counted from', escapeHtml(ref)],
    [`Time to ${s.maxReplicas.value ?? 'the maximum'} replicas`, moment(s.toMaxReplicas)],
    ['Time to alert pending', moment(s.toPending)],
    ['Time to alert firing', moment(s.toFiring)],
    ['Time to notification', moment(s.toNotification)],
    ['Events produced', cell(s.eventsProduced, formatCount)],
    ['Events scored', cell(s.eventsScored, formatCount)],
    ['Events dead-lettered', cell(s.eventsDeadLettered, formatCount)],
    ['Peak consumer lag', cell(s.peakLag, (p) => `${formatCount(p.value)} events at ${clockTime(ms(p.at))}`)],
    [
      'Peak produced rate',
      cell(s.peakProducedRate, (p) => `${formatNumber(p.value)} events/s at ${clockTime(ms(p.at))}`),
    ],
    ['Scoring API 5xx responses', cell(s.api5xx, formatCount)],
    [
      'Gateway 429 / 5xx responses',
      s.gateway429.value === null || s.gateway5xx.value === null
        ? `${cell(s.gateway429, formatCount)} / ${cell(s.gateway5xx, formatCount)}`
        : escapeHtml(`${formatCount(s.gateway429.value)} / ${formatCount(s.gateway5xx.value)}`),
    ],
    ['Most replicas seen', cell(s.maxReplicasSeen, (n) => String(n))],
    [
      'Hottest replica when the alert fired',
      cell(
        s.trigger,
        (t) =>
          `${t.pod}${t.cpuOverRequest === null ? '' : `, at ${formatPercent(t.cpuOverRequest)} of its CPU request when the alert fired`}`,
      ),
    ],
  ];
  return `<table class="summary"><tbody>${rows
    .map(([label, value]) => `<tr><th scope="row">${escapeHtml(label)}</th><td>${value}</td></tr>`)
    .join('')}</tbody></table>`;
}

function notificationSection(s: ReportSummary, notes: Footnotes): string {
  const n = s.notification;
  if (n === null)
    return `<p class="empty">No notification in this window ${s.toNotification.value === null ? notes.dash(s.toNotification.why) : ''}</p>`;
  const alerts = n.alerts
    .filter((a) => a.status === 'firing')
    .map((a) => {
      const severity = a.labels.severity ?? 'unknown';
      const where = [a.labels.namespace, a.labels.pod].filter((x) => x !== undefined).join('/');
      const runbook = a.annotations.runbook_url;
      return `<div class="alert">
        <div class="alert-head"><span class="badge ${escapeHtml(severity)}">${escapeHtml(severity)}</span>
          <strong>${escapeHtml(a.labels.alertname ?? '(no alertname)')}</strong>
          ${where === '' ? '' : `<code>${escapeHtml(where)}</code>`}</div>
        ${a.annotations.summary ? `<p class="alert-summary">${escapeHtml(a.annotations.summary)}</p>` : ''}
        ${a.annotations.description ? `<p>${escapeHtml(a.annotations.description)}</p>` : ''}
        <p class="meta">${a.startsAt ? `firing since ${escapeHtml(clockTime(ms(a.startsAt)))}` : ''}${runbook ? ` · runbook <code>${escapeHtml(runbook)}</code>` : ''}</p>
      </div>`;
    })
    .join('');
  return `<p class="meta">Received ${escapeHtml(dateTime(ms(n.receivedAt)))} by receiver <code>${escapeHtml(n.receiver)}</code>, status <strong>${escapeHtml(n.status)}</strong>, ${n.alerts.length} alert${n.alerts.length === 1 ? '' : 's'} in the group.</p>${alerts}`;
}

function chartFigure(chart: HtmlChart): string {
  return `<figure class="chart" id="chart-${escapeHtml(chart.id)}">
    ${chart.svg}
    <figcaption>${escapeHtml(chart.caption)} <a href="${escapeHtml(chart.pngFile)}">PNG</a></figcaption>
  </figure>`;
}

export function renderHtml(input: HtmlInput): string {
  const s = input.summary;
  const notes = new Footnotes();
  const v = verdict(s);
  const table = summaryTable(s, notes);
  const notification = notificationSection(s, notes);
  const zone = timeZoneLabel(ms(s.window.start));
  const queries = Object.entries(input.queries)
    .map(([id, q]) => `<tr><th scope="row">${escapeHtml(id)}</th><td><code>${escapeHtml(q)}</code></td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(s.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
  <h1>${escapeHtml(s.title)}</h1>
  <p class="sub">${escapeHtml(`${dateTime(ms(s.window.start))} – ${clockTime(ms(s.window.end))}`)} · times in ${escapeHtml(zone)} · profile <strong>${escapeHtml(s.profile.name)}</strong> (scrape ${escapeHtml(s.profile.scrapeInterval)})</p>
</header>
<main>
  <p class="verdict ${v.tone}">${escapeHtml(v.text)}</p>
  <section class="cards">${cards(s).map(renderCard).join('')}</section>
  <section class="panel">
    <h2>What happened</h2>
    ${timeline(s)}
  </section>
  <section class="charts">${input.charts.map(chartFigure).join('')}</section>
  <section class="columns">
    <div class="panel">
      <h2>Summary</h2>
      ${table}
    </div>
    <div class="panel">
      <h2>The notification</h2>
      ${notification}
    </div>
  </section>
  ${notes.notes.length > 0 ? `<section class="panel"><h2>Notes</h2>${notes.render()}</section>` : ''}
  <section class="panel">
    <h2>How this was measured</h2>
    <p>Prometheus range queries over the window, one point every ${s.window.stepSeconds} s, rates over ${escapeHtml(s.window.rateWindow)}.
    Event and error counts add up each counter's increases inside the window, across process restarts.
    ${s.attack ? `Attack: ${escapeHtml(s.attack.rampDescription)}; outcome: ${escapeHtml(s.attack.outcome)}.` : ''}</p>
    <details><summary>The queries</summary><table class="queries"><tbody>${queries}</tbody></table></details>
  </section>
</main>
<footer>Generated ${escapeHtml(dateTime(input.generatedAt.getTime()))} by <code>fraudops report</code>. Charts are also in <code>charts/</code> as PNG, the data in <code>report.json</code>.</footer>
</body>
</html>
`;
}

const CSS = `
:root { --ink: #1f2328; --muted: #57606a; --line: #d8dee4; --bg: #f4f6f8; --panel: #fff;
  --good: #1a7f37; --bad: #c4162a; --warn: #9a6700; --accent: #8f3bb8; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
header { background: #111827; color: #f9fafb; padding: 22px 32px 18px; }
header h1 { margin: 0 0 4px; font-size: 24px; font-weight: 650; letter-spacing: -0.01em; }
header .sub { margin: 0; color: #cbd5e1; font-size: 14px; }
main { max-width: 1180px; margin: 0 auto; padding: 20px 24px 8px; }
h2 { font-size: 16px; margin: 0 0 12px; }
.verdict { font-size: 19px; font-weight: 600; margin: 4px 0 18px; padding: 14px 18px; border-radius: 8px;
  border-left: 6px solid var(--muted); background: var(--panel); }
.verdict.good { border-color: var(--good); color: #0f5323; }
.verdict.bad { border-color: var(--bad); color: #8c0f1f; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin-bottom: 18px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px;
  border-top: 4px solid #9aa0a6; }
.card.good { border-top-color: var(--good); } .card.bad { border-top-color: var(--bad); }
.card.warn { border-top-color: #e0a800; }
.card .label { color: var(--muted); font-size: 13px; }
.card .value { font-size: 26px; font-weight: 650; line-height: 1.25; margin: 2px 0; font-variant-numeric: tabular-nums; }
.card .detail { color: var(--muted); font-size: 12.5px; }
.card.missing .value { color: #8c959f; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px; margin-bottom: 18px; }
.timeline { list-style: none; margin: 0; padding: 0; }
.timeline li { display: grid; grid-template-columns: 80px 124px 1fr; gap: 8px; padding: 5px 0 5px 14px;
  border-left: 3px solid var(--line); font-variant-numeric: tabular-nums; }
.timeline .t { font-weight: 600; } .timeline .rel { color: var(--muted); }
.timeline li.replicas { border-color: #1f60c4; } .timeline li.pending { border-color: #e0a800; }
.timeline li.firing { border-color: var(--bad); } .timeline li.notified { border-color: var(--accent); }
.timeline li.notified .what { font-weight: 600; color: var(--accent); }
.charts { display: grid; gap: 18px; margin-bottom: 18px; }
figure.chart { margin: 0; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 6px 6px 10px; overflow: hidden; }
figure.chart svg { display: block; width: 100%; height: auto; }
figure.chart figcaption { color: var(--muted); font-size: 13.5px; padding: 2px 12px 0; }
figure.chart figcaption a { color: var(--muted); font-size: 12px; margin-left: 6px; }
.columns { display: grid; grid-template-columns: minmax(0, 1.15fr) minmax(0, 1fr); gap: 18px; }
@media (max-width: 900px) { .columns { grid-template-columns: 1fr; } }
table { border-collapse: collapse; width: 100%; }
table.summary th, table.summary td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #eef1f4; vertical-align: top; }
table.summary th { font-weight: 500; color: var(--muted); width: 46%; }
table.summary td { font-variant-numeric: tabular-nums; white-space: pre-wrap; }
.dash { color: #8c959f; cursor: help; } .dash sup { font-size: 10px; margin-left: 1px; }
.notes { margin: 0; padding-left: 22px; color: var(--muted); font-size: 13.5px; }
.alert { border: 1px solid #f3c1c7; background: #fff6f7; border-radius: 6px; padding: 10px 12px; margin-top: 10px; }
.alert p { margin: 6px 0 0; }
.alert-summary { font-weight: 600; }
.alert-head { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.badge { font-size: 11px; text-transform: uppercase; letter-spacing: 0.04em; padding: 2px 7px; border-radius: 10px;
  background: #6e7079; color: #fff; font-weight: 700; }
.badge.critical { background: var(--bad); } .badge.warning { background: #bf8700; }
.meta { color: var(--muted); font-size: 13px; }
.empty { color: var(--muted); }
code { font: 12.5px/1.4 "DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace; background: #f1f3f5; padding: 1px 4px; border-radius: 4px; }
details summary { cursor: pointer; color: var(--muted); margin-top: 6px; }
table.queries th { text-align: left; font-weight: 500; color: var(--muted); padding: 4px 10px 4px 0; white-space: nowrap; vertical-align: top; }
table.queries td { padding: 4px 0; word-break: break-word; }
footer { max-width: 1180px; margin: 0 auto; padding: 4px 24px 28px; color: var(--muted); font-size: 13px; }
@media print { body { background: #fff; } header { background: #fff; color: var(--ink); } header .sub { color: var(--muted); }
  figure.chart, .panel, .card { break-inside: avoid; } }
`;
