// The scoring API as its operator sees it: traffic, latency, errors, how far the autoscaler has gone and how
// hot each replica runs (the quantities ScoringApiSaturatedAtMaxReplicas watches), what was turned away,
// whether the stream scorer keeps up with Kafka, and which alerts are pending or firing.
import {
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  LineInterpolation,
  VisibilityMode,
  VizLegendOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import {
  MappingType,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type Dashboard,
  type DynamicConfigValue,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as StateTimeline } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { ALERT_PREFIXES, STREAM_LAG_WARNING_EVENTS } from '../../src/alerts.ts';
import {
  allSeriesTooltip,
  api,
  appContainer,
  dashboard,
  deployment,
  finish,
  gateway,
  hpa,
  prom,
  scoringRoutes,
  streamScorer,
  tableLegend,
} from './shared.ts';

export const SERVICE_OVERVIEW_UID = 'fraudops-service-overview';

/** The load above which the alert counts a replica as hot: CPU use over CPU request. */
const SATURATION = 0.8;

const requests = `scoring_api_http_requests_total{${api}}`;
const duration = `scoring_api_http_request_duration_seconds_bucket{${api}, ${scoringRoutes}}`;

const latency = (quantile: number): string =>
  `histogram_quantile(${quantile}, sum by (le) (rate(${duration}[$__rate_interval])))`;

const dashed: DynamicConfigValue = { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } };
const fixedColor = (color: string): DynamicConfigValue => ({
  id: 'color',
  value: { mode: 'fixed', fixedColor: color },
});

// Panels are made per build: a builder hands out its internal object, which the dashboard then positions.
const rps = (): TimeSeries =>
  new TimeSeries()
    .title('Requests per second by route and status')
    .description(
      'Requests answered by all scoring-api replicas, by route template and HTTP status (probes and scrapes included).',
    )
    .unit('reqps')
    .min(0)
    .legend(tableLegend())
    .tooltip(allSeriesTooltip())
    .withTarget(
      prom(`sum by (route, status_code) (rate(${requests}[$__rate_interval]))`, '{{route}} {{status_code}}'),
    );

const latencyPanel = (): TimeSeries =>
  new TimeSeries()
    .title('Latency of /predict and /predict/batch')
    .description(
      'p50, p95 and p99 of the time from request to response, from the replicas’ histograms added together, so they are quantiles of the whole service, not averages of replicas.',
    )
    .unit('s')
    .min(0)
    .legend(tableLegend())
    .tooltip(allSeriesTooltip())
    .withTarget(prom(latency(0.5), 'p50'))
    .withTarget(prom(latency(0.95), 'p95'))
    .withTarget(prom(latency(0.99), 'p99'));

const errors = (): TimeSeries =>
  new TimeSeries()
    .title('Error ratio (5xx) of /predict and /predict/batch')
    .description(
      'Share of scoring requests answered with a 5xx status, including 503 while a replica has no model. 0 when there were requests and none failed; no data when there were no requests.',
    )
    .unit('percentunit')
    .min(0)
    .axisSoftMax(0.05)
    .legend(tableLegend())
    .tooltip(allSeriesTooltip())
    .withTarget(
      prom(
        // `or 0 * …` keeps the series at 0 instead of absent while no 5xx has ever been counted.
        `(
  sum(rate(scoring_api_http_requests_total{${api}, ${scoringRoutes}, status_code=~"5.."}[$__rate_interval]))
  or 0 * sum(rate(scoring_api_http_requests_total{${api}, ${scoringRoutes}}[$__rate_interval]))
)
/ (sum(rate(scoring_api_http_requests_total{${api}, ${scoringRoutes}}[$__rate_interval])) > 0)`,
        '5xx ratio',
      ),
    );

const rateLimited = (): TimeSeries =>
  new TimeSeries()
    .title('Rate-limited and shed requests')
    .description(
      'Requests turned away with 429: by the gateway’s per-client rate limit (the DDoS guard; the 5-minute rate ScoringApiGatewayRateLimiting reads, from nginx locally and Envoy Gateway’s proxies in the cluster) and by the replicas themselves when too many requests are in flight (overload shedding). Both are 0, not absent, while nothing is turned away.',
    )
    .unit('reqps')
    .min(0)
    .legend(tableLegend())
    .tooltip(allSeriesTooltip())
    .withTarget(
      prom(
        // The gateway's recordings (monitoring/rules/gateway.rules.yaml) are the one place that maps each
        // environment's gateway metrics; nginx's counter appears only with the first 429, hence the fallback.
        `sum(namespace_gateway:gateway_http_requests_rate_limited:sum_rate5m{${gateway}})
or 0 * sum(namespace_gateway:gateway_http_requests:sum_rate5m{${gateway}})`,
        'gateway: per-client rate limit',
      ),
    )
    .withTarget(
      prom(
        // The replicas create the rejected counter on the first shed request, hence the fallback to 0.
        `sum(rate(scoring_api_http_requests_rejected_total{${api}}[$__rate_interval]))
or 0 * sum(rate(${requests}[$__rate_interval]))`,
        'replicas: overload shedding',
      ),
    );

const replicas = (): TimeSeries =>
  new TimeSeries()
    .title('Replicas: current and desired against min and max')
    .description(
      'The scoring-api HorizontalPodAutoscaler: the replicas it runs now and wants, between its minimum and maximum, and the Deployment’s replicas. The saturation alert only fires while current equals max.',
    )
    .unit('none')
    .decimals(0)
    .min(0)
    .lineInterpolation(LineInterpolation.StepAfter)
    .legend(tableLegend())
    .tooltip(allSeriesTooltip())
    // max() rather than sum(): two kube-state-metrics replicas would otherwise double every count.
    .withTarget(prom(`max(kube_horizontalpodautoscaler_status_current_replicas{${hpa}})`, 'current'))
    .withTarget(prom(`max(kube_horizontalpodautoscaler_status_desired_replicas{${hpa}})`, 'desired'))
    .withTarget(prom(`max(kube_horizontalpodautoscaler_spec_min_replicas{${hpa}})`, 'min'))
    .withTarget(prom(`max(kube_horizontalpodautoscaler_spec_max_replicas{${hpa}})`, 'max'))
    .withTarget(prom(`max(kube_deployment_status_replicas{${deployment}})`, 'deployment'))
    .overrideByName('min', [dashed, fixedColor('text')])
    .overrideByName('max', [dashed, fixedColor('red')]);

const cpu = (): TimeSeries =>
  new TimeSeries()
    .title('CPU use over request, per replica')
    .description(
      `Each replica’s CPU use divided by its CPU request: the load the HPA targets and the alert compares with ${SATURATION * 100}% (the red line). Above the line at max replicas for 5 minutes pages the administrator.`,
    )
    .unit('percentunit')
    .min(0)
    .axisSoftMax(1)
    .legend(tableLegend())
    .tooltip(allSeriesTooltip())
    .thresholds(
      new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
        { value: null, color: 'green' },
        { value: SATURATION, color: 'red' },
      ]),
    )
    .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed))
    .withTarget(
      prom(
        // One request per pod, whichever kube-state-metrics instance reported it: max, not sum.
        `sum by (pod) (rate(container_cpu_usage_seconds_total{${appContainer}, image!=""}[$__rate_interval]))
/ max by (pod) (kube_pod_container_resource_requests{${appContainer}, resource="cpu", unit="core"})`,
        '{{pod}}',
      ),
    );

/** Every fraudops alert: its name starts with a component's prefix. */
const fraudopsAlerts = `alertname=~"(${ALERT_PREFIXES.join('|')}).*"`;

const alerts = (): StateTimeline =>
  new StateTimeline()
    .title('fraudops alerts')
    .description(
      `Pending (yellow) and firing (red) fraudops alerts (${ALERT_PREFIXES.map((p) => `${p}*`).join(', ')}), one row per alert and pod; a single green row when none is active.`,
    )
    .showValue(VisibilityMode.Never)
    .mergeValues(true)
    .fillOpacity(80)
    .legend(new VizLegendOptionsBuilder().showLegend(false))
    .thresholds(
      new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([{ value: null, color: 'green' }]),
    )
    .mappings([
      {
        type: MappingType.ValueToText,
        options: {
          '0': { text: 'none active', color: 'green', index: 0 },
          '1': { text: 'pending', color: 'yellow', index: 1 },
          '2': { text: 'firing', color: 'red', index: 2 },
        },
      },
    ])
    .withTarget(
      prom(
        // Firing as 2, pending as 1; when neither exists, one series valued 0 says so instead of "No data"
        // (`or on()` adds it only when the left side is empty).
        `max by (alertname, pod) (ALERTS{${fraudopsAlerts}, alertstate="firing"}) * 2
or max by (alertname, pod) (ALERTS{${fraudopsAlerts}, alertstate="pending"})
or on () label_replace(vector(0), "alertname", "no fraudops alert", "", "")`,
        '{{alertname}} {{pod}}',
      ),
    );

const consumerLag = (): TimeSeries =>
  new TimeSeries()
    .title('Consumer lag of the stream scorer')
    .description(
      `Events of the transactions topic the stream scorer's consumer group has not committed yet: what waits in Kafka to be scored. Each partition counted once (in the cluster both the scorers and Strimzi's Kafka Exporter report it). Above ${STREAM_LAG_WARNING_EVENTS.toLocaleString('en-US')} (the red line) for 5 minutes, StreamScorerConsumerLagHigh warns.`,
    )
    .unit('short')
    .min(0)
    .legend(tableLegend())
    .tooltip(allSeriesTooltip())
    .thresholds(
      new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
        { value: null, color: 'green' },
        { value: STREAM_LAG_WARNING_EVENTS, color: 'red' },
      ]),
    )
    .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed))
    // The recording (monitoring/rules/stream-scorer.rules.yaml) deduplicates the two exporters: the panel
    // shows what the alert compares.
    .withTarget(
      prom('sum by (topic) (namespace_consumergroup_topic:kafka_consumergroup_lag:sum)', '{{topic}}'),
    );

const deadLetters = (): TimeSeries =>
  new TimeSeries()
    .title('Dead letters per second by code')
    .description(
      'Events the stream scorer wrote to the dead-letter topic instead of scoring them, by code: invalid_json, invalid_event (fails the Transaction schema), rejected_by_api (the scoring API refused to score it). 0 while none; each code exists from the scorer’s start.',
    )
    .unit('short')
    .min(0)
    .legend(tableLegend())
    .tooltip(allSeriesTooltip())
    .withTarget(
      prom(
        `sum by (code) (rate(stream_scorer_events_dead_lettered_total{${streamScorer}}[$__rate_interval]))`,
        '{{code}}',
      ),
    );

export function serviceOverview(): Dashboard {
  return finish(
    dashboard(
      SERVICE_OVERVIEW_UID,
      'fraudops / Service overview',
      'The scoring API: traffic, latency, errors, autoscaling, per-replica load against the 80% alert line, rate limiting, the stream scorer’s consumer lag and dead letters, and alert state.',
    )
      .withRow(new RowBuilder('Traffic'))
      .withPanel(rps())
      .withPanel(latencyPanel())
      .withPanel(errors())
      .withPanel(rateLimited())
      .withRow(new RowBuilder('Capacity'))
      .withPanel(replicas())
      .withPanel(cpu())
      .withRow(new RowBuilder('Stream'))
      .withPanel(consumerLag())
      .withPanel(deadLetters())
      .withRow(new RowBuilder('Alerts'))
      .withPanel(alerts().span(24).height(6)),
  );
}
