// Every PromQL expression the report runs, in one place, and the step and rate window it runs them with.
// Metric names are contracts: the attack's own (../metrics.ts), the stream scorer's, the scoring API's, the
// cluster controller's Kubernetes dialect (packages/stack/src/cluster/kube-metrics.ts) and the recording
// rule and alert of monitoring/rules/scoring-api.rules.yaml (a test holds the names to that file).
import { SATURATION_ALERT } from '../watcher.ts';

/** The recording rule the HPA's target and the alert are about: a replica's CPU over its request. */
export const CPU_OVER_REQUEST_RULE = 'namespace_pod:scoring_api_cpu_usage_over_request:ratio_rate2m';
export { SATURATION_ALERT };

/** The alert's threshold on CPU over request (the `> 0.8` of the rule), drawn as a line. */
export const CPU_ALERT_THRESHOLD = 0.8;

/** Names from fraudops.config.json that the queries select on. */
export interface StackNames {
  /** The Kafka topic the attack writes and the stream scorer reads. */
  transactionsTopic: string;
  /** The Deployment, its HPA and its gateway share this name (scoring-api). */
  deployment: string;
}

export interface QueryWindows {
  scrapeSeconds: number;
  /** Resolution of every range query. */
  stepSeconds: number;
  /** The range of every rate(), as PromQL spells it. */
  rateWindow: string;
  rateWindowSeconds: number;
}

// Prometheus refuses more than 11,000 points per series; a chart 1,000 px wide shows no more than this.
const MAX_POINTS = 1200;

/** Seconds of a Prometheus duration made of whole units ("1s", "15s", "1m", "1m30s"). */
export function durationSeconds(text: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (match === null || text.trim() === '') throw new Error(`not a Prometheus duration: "${text}"`);
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
}

/**
 * The step: one scrape, unless the window would then need more than MAX_POINTS points. The rate window is
 * Grafana's $__rate_interval, max(4 scrapes, step + 1 scrape): four scrapes so that one missed scrape still
 * leaves a rate, and at least a step plus a scrape so that consecutive points together see every sample.
 */
export function queryWindows(scrapeInterval: string, start: Date, end: Date): QueryWindows {
  const scrapeSeconds = durationSeconds(scrapeInterval);
  if (scrapeSeconds <= 0) throw new Error(`the scrape interval must be positive, got "${scrapeInterval}"`);
  const spanSeconds = Math.max(0, (end.getTime() - start.getTime()) / 1000);
  const stepSeconds = Math.max(scrapeSeconds, Math.ceil(spanSeconds / MAX_POINTS));
  const rateWindowSeconds = Math.max(4 * scrapeSeconds, stepSeconds + scrapeSeconds);
  return { scrapeSeconds, stepSeconds, rateWindow: `${rateWindowSeconds}s`, rateWindowSeconds };
}

export type QueryId =
  | 'targetRate'
  | 'producedRate'
  | 'consumedRate'
  | 'scoredRate'
  | 'deadLetteredRate'
  | 'lag'
  | 'apiRequestRate'
  | 'apiP99Seconds'
  | 'api5xxRate'
  | 'gateway429Rate'
  | 'gateway5xxRate'
  | 'currentReplicas'
  | 'desiredReplicas'
  | 'maxReplicas'
  | 'cpuOverRequest'
  | 'alerts'
  | 'producedTotal'
  | 'scoredTotal'
  | 'deadLetteredTotal'
  | 'api5xxTotal'
  | 'gateway429Total'
  | 'gateway5xxTotal';

const SCORING_ROUTES = 'route=~"/predict|/predict/batch"';

/** The report's queries by id. Counters are read raw (`…Total`) so that the summary can add up increases. */
export function reportQueries(names: StackNames, rateWindow: string): Readonly<Record<QueryId, string>> {
  const rate = (selector: string): string => `sum(rate(${selector}[${rateWindow}]))`;
  const hpa = `horizontalpodautoscaler="${names.deployment}"`;
  const gateway = (code: string): string =>
    `gateway_http_requests_total{gateway="${names.deployment}", ${code}}`;
  const api5xx = `scoring_api_http_requests_total{${SCORING_ROUTES}, status_code=~"5.."}`;
  return {
    targetRate: 'sum(attack_target_events_per_second)',
    producedRate: rate('attack_events_produced_total'),
    consumedRate: rate('stream_scorer_events_consumed_total'),
    scoredRate: rate('stream_scorer_events_scored_total'),
    deadLetteredRate: `${rate('stream_scorer_events_dead_lettered_total')} or 0 * ${rate('stream_scorer_events_consumed_total')}`,
    lag: `sum(max by (consumergroup, partition) (kafka_consumergroup_lag{topic="${names.transactionsTopic}"}))`,
    // 0 rather than no data while the replicas are scraped but nobody asks for a score.
    apiRequestRate: `${rate(`scoring_api_http_requests_total{${SCORING_ROUTES}}`)} or 0 * ${rate('scoring_api_http_requests_total')}`,
    // Buckets are summed over replicas and routes before the quantile: histograms add up, quantiles do not.
    apiP99Seconds: `histogram_quantile(0.99, sum by (le) (rate(scoring_api_http_request_duration_seconds_bucket{${SCORING_ROUTES}}[${rateWindow}])))`,
    // A labelled counter has no series until its first increment: `or 0 * <its whole family>` reads "no 5xx
    // yet" as 0 while the family is scraped, and still as no data when nothing exports it at all.
    api5xxRate: `${rate(api5xx)} or 0 * ${rate('scoring_api_http_requests_total')}`,
    gateway429Rate: `${rate(gateway('code="429"'))} or 0 * ${rate(gateway('code!=""'))}`,
    gateway5xxRate: `${rate(gateway('code=~"5.."'))} or 0 * ${rate(gateway('code!=""'))}`,
    currentReplicas: `max(kube_horizontalpodautoscaler_status_current_replicas{${hpa}})`,
    desiredReplicas: `max(kube_horizontalpodautoscaler_status_desired_replicas{${hpa}})`,
    maxReplicas: `max(kube_horizontalpodautoscaler_spec_max_replicas{${hpa}})`,
    cpuOverRequest: `max by (pod) (${CPU_OVER_REQUEST_RULE})`,
    alerts: `ALERTS{alertname="${SATURATION_ALERT}"}`,
    producedTotal: 'attack_events_produced_total',
    scoredTotal: 'stream_scorer_events_scored_total',
    deadLetteredTotal: 'stream_scorer_events_dead_lettered_total',
    api5xxTotal: api5xx,
    gateway429Total: gateway('code="429"'),
    gateway5xxTotal: gateway('code=~"5.."'),
  };
}
