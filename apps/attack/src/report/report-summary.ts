// The summary table as data: what happened when, and how much, from the range data and the notification.
// Pure, so that report.json, the HTML and the tests read the same numbers. Moments are measured from the
// attack's start when there was an attack, else from the window's start.
import type { ReportData } from './charts.ts';
import type { ReceivedNotification } from './notifications.ts';
import { SATURATION_ALERT, type QueryWindows } from './report-queries.ts';
import {
  firstInState,
  firstReaching,
  known,
  peak,
  totalIncrease,
  triggeringReplica,
  unknownBecause,
  type Known,
} from './summary.ts';
import type { RangeSeries } from './prometheus-client.ts';
import { clockTime } from './format.ts';

/** When something happened, and how long after the reference moment. */
export interface Moment {
  at: string;
  afterSeconds: number;
}

export interface ReportSummary {
  title: string;
  window: { start: string; end: string; stepSeconds: number; rateWindow: string };
  profile: { name: string; scrapeInterval: string };
  /** The moment the "time to" rows count from. */
  reference: { at: string; what: 'attack start' | 'window start' };
  attack: { startedAt: string; outcome: string; rampDescription: string } | null;
  /** The HPA's maxReplicas. */
  maxReplicas: Known<number>;
  toMaxReplicas: Known<Moment>;
  toPending: Known<Moment>;
  toFiring: Known<Moment>;
  toNotification: Known<Moment>;
  eventsProduced: Known<number>;
  eventsScored: Known<number>;
  eventsDeadLettered: Known<number>;
  peakLag: Known<{ value: number; at: string }>;
  peakProducedRate: Known<{ value: number; at: string }>;
  api5xx: Known<number>;
  gateway429: Known<number>;
  gateway5xx: Known<number>;
  maxReplicasSeen: Known<number>;
  /** The replica whose alert fired first (the hottest, if several fired at once) and its CPU then. */
  trigger: Known<{ pod: string; cpuOverRequest: number | null }>;
  /** The first firing notification of the alert in the window, as the receiver recorded it. */
  notification: ReceivedNotification | null;
}

export interface SummaryInput {
  title: string;
  start: Date;
  end: Date;
  windows: QueryWindows;
  profile: { name: string; scrapeInterval: string };
  attack: { startedAt: Date; outcome: string; rampDescription: string } | null;
  data: ReportData;
  notification: Known<ReceivedNotification>;
}

export function summarize(input: SummaryInput): ReportSummary {
  const { data, windows } = input;
  const reference = input.attack?.startedAt ?? input.start;
  const from = reference.getTime() / 1000;
  const windowStart = input.start.getTime() / 1000;
  const moment = (t: number): Moment => ({
    at: new Date(t * 1000).toISOString(),
    afterSeconds: t - from,
  });
  // `witness` is the matching rate, which is 0 rather than absent while the counter's family is scraped: a
  // labelled counter (5xx, 429) has no series at all until it first counts, and that means none happened.
  const counted = (
    series: readonly RangeSeries[],
    what: string,
    witness: readonly RangeSeries[],
  ): Known<number> =>
    series.length > 0
      ? known(totalIncrease(series, windowStart))
      : witness.some((s) => s.points.length > 0)
        ? known(0)
        : unknownBecause(
            `no ${what} series in this window: nothing exported it or Prometheus did not scrape it`,
          );
  const peakOf = (series: readonly RangeSeries[], what: string): Known<{ value: number; at: string }> => {
    const top = peak(series);
    return top === null
      ? unknownBecause(`no ${what} in this window`)
      : known({ value: top.value, at: new Date(top.t * 1000).toISOString() });
  };

  const maxReplicasPeak = peak(data.maxReplicas);
  const maxReplicas: Known<number> =
    maxReplicasPeak === null
      ? unknownBecause(
          'Prometheus has no kube_horizontalpodautoscaler_spec_max_replicas for the HPA in this window',
        )
      : known(maxReplicasPeak.value);
  const seen = peak(data.currentReplicas);
  const maxReplicasSeen: Known<number> =
    seen === null
      ? unknownBecause('no replica count in this window (is the cluster controller running?)')
      : known(seen.value);

  let toMaxReplicas: Known<Moment>;
  if (maxReplicas.value === null) toMaxReplicas = unknownBecause(maxReplicas.why);
  else if (seen === null) toMaxReplicas = unknownBecause('no replica count in this window');
  else {
    const reached = firstReaching(data.currentReplicas, maxReplicas.value, from);
    toMaxReplicas =
      reached === null
        ? unknownBecause(
            `the HPA never reached its maximum of ${maxReplicas.value} replicas after the ${input.attack ? 'attack started' : 'window started'} (at most ${seen.value})`,
          )
        : known(moment(reached[0]));
  }

  const pending = firstInState(data.alerts, 'pending', from);
  const firing = firstInState(data.alerts, 'firing', from);
  const toPending = pending
    ? known(moment(pending.t))
    : unknownBecause<Moment>(`${SATURATION_ALERT} was never pending in this window`);
  const toFiring = firing
    ? known(moment(firing.t))
    : unknownBecause<Moment>(
        pending
          ? `${SATURATION_ALERT} went pending but never fired in this window`
          : `${SATURATION_ALERT} never fired in this window`,
      );
  const trigger = firing ? triggeringReplica(firing, data.cpuOverRequest, windows.stepSeconds * 2) : null;

  const notification = input.notification;
  const toNotification: Known<Moment> =
    notification.value === null
      ? unknownBecause(notification.why)
      : known(moment(Date.parse(notification.value.receivedAt) / 1000));

  return {
    title: input.title,
    window: {
      start: input.start.toISOString(),
      end: input.end.toISOString(),
      stepSeconds: windows.stepSeconds,
      rateWindow: windows.rateWindow,
    },
    profile: input.profile,
    reference: { at: reference.toISOString(), what: input.attack ? 'attack start' : 'window start' },
    attack: input.attack && {
      startedAt: input.attack.startedAt.toISOString(),
      outcome: input.attack.outcome,
      rampDescription: input.attack.rampDescription,
    },
    maxReplicas,
    toMaxReplicas,
    toPending,
    toFiring,
    toNotification,
    eventsProduced: counted(data.producedTotal, 'attack_events_produced_total', data.producedRate),
    eventsScored: counted(data.scoredTotal, 'stream_scorer_events_scored_total', data.scoredRate),
    eventsDeadLettered: counted(
      data.deadLetteredTotal,
      'stream_scorer_events_dead_lettered_total',
      data.deadLetteredRate,
    ),
    peakLag: peakOf(data.lag, 'consumer lag'),
    peakProducedRate: peakOf(data.producedRate, 'produced events'),
    api5xx: counted(data.api5xxTotal, 'scoring_api_http_requests_total', data.api5xxRate),
    gateway429: counted(data.gateway429Total, 'gateway_http_requests_total', data.gateway429Rate),
    gateway5xx: counted(data.gateway5xxTotal, 'gateway_http_requests_total', data.gateway5xxRate),
    maxReplicasSeen,
    trigger: trigger
      ? known(trigger)
      : unknownBecause(
          firing ? 'the firing alert carries no pod label' : `${SATURATION_ALERT} never fired in this window`,
        ),
    notification: notification.value,
  };
}

/** "no firing … notification between 17:00:00 and 17:30:00" */
export function noNotificationReason(from: Date, to: Date): string {
  return `no firing ${SATURATION_ALERT} notification was received between ${clockTime(from.getTime())} and ${clockTime(to.getTime())}`;
}
