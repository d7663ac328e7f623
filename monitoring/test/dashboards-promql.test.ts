// Every query of every panel, parsed and evaluated by a real Prometheus (the Debian 2.42 the stack runs), so a
// syntax or type error fails here rather than as "bad_data" in a Grafana panel. The throwaway server scrapes
// nothing: empty results are expected; only the status matters. The cluster's Grafana queries the cluster's
// Prometheus (3.x), whose promtool parses every query too. Then promtool evaluates the queries whose joins and
// fallbacks are easy to get wrong over a small synthetic cluster, with exact expected values, under both
// versions; the panels that read the rule files' recordings get those rules loaded.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForHttpOk } from '@fraudops/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  MODEL_QUALITY_UID,
  SERVICE_OVERVIEW_UID,
  dashboards,
  panelQueries,
} from '../dashboards/src/index.ts';
import { ruleFiles } from '../src/rule-files.ts';
import { clusterTool, prometheusToolsets, promtoolName, runTool } from './support/tools.ts';

interface QueryAnswer {
  status: string;
  errorType?: string;
  error?: string;
}

let prometheus: ChildProcess | undefined;
let workDir = '';
let baseUrl = '';

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'fraudops-dashboards-promql-'));
  const config = join(workDir, 'prometheus.yml');
  await writeFile(config, 'global:\n  scrape_interval: 15s\nscrape_configs: []\n');
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(workDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  prometheus = child;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  try {
    await waitForHttpOk(`${baseUrl}/-/ready`, {
      timeoutMs: 20_000,
      stillRunning: () => child.exitCode === null,
    });
  } catch (error) {
    throw new Error(`prometheus did not start: ${(error as Error).message}\n${stderr}`, { cause: error });
  }
}, 30_000);

afterAll(async () => {
  if (prometheus !== undefined && prometheus.exitCode === null) {
    const exited = once(prometheus, 'exit');
    prometheus.kill('SIGTERM');
    await exited;
  }
  if (workDir !== '') await rm(workDir, { recursive: true, force: true });
});

async function query(expr: string): Promise<QueryAnswer> {
  const response = await fetch(`${baseUrl}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: expr }),
  });
  return (await response.json()) as QueryAnswer;
}

describe('dashboard queries in Prometheus', () => {
  it('the harness notices a broken query', async () => {
    expect(await query('sum(rate(up[1m])')).toMatchObject({ status: 'error', errorType: 'bad_data' });
  });

  it.each(
    panelQueries(dashboards()).map((q) => [`${q.dashboard} / ${q.panel} / ${q.refId}`, q.expr] as const),
  )('%s parses and evaluates', async (_name, expr) => {
    const answer = await query(expr);
    expect(answer.error ?? '', expr).toBe('');
    expect(answer.status).toBe('success');
  });

  // The cluster's Prometheus parses PromQL with its own (3.x) parser. Each query becomes a recording rule,
  // which `promtool check rules` parses and type-checks (a panel query must be an instant vector or scalar).
  it("every query parses in the cluster's Prometheus (promtool check rules)", async () => {
    const queries = panelQueries(dashboards());
    const file = join(workDir, 'panel-queries.rules.yml');
    await writeFile(
      file,
      stringify({
        groups: [
          {
            name: 'panel-queries',
            rules: queries.map((q, i) => ({ record: `panel_query_${i}`, expr: q.expr })),
          },
        ],
      }),
    );
    const result = runTool(clusterTool('promtool'), ['check', 'rules', file]);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain(`SUCCESS: ${queries.length} rules found`);
  });
});

// Two samples a minute apart at least, so rate() has something to work with in promtool's 1m-step series.
const synthetic = panelQueries(dashboards(), { __rate_interval: '2m', __range: '5m' });

function exprOf(dashboard: string, panelPrefix: string, refId = 'A'): string {
  const found = synthetic.find(
    (q) => q.dashboard === dashboard && q.panel.startsWith(panelPrefix) && q.refId === refId,
  );
  if (found === undefined) throw new Error(`no query ${dashboard} / ${panelPrefix} / ${refId}`);
  return found.expr;
}

const api = 'namespace="fraudops",job="scoring-api"';
const scorer = 'namespace="fraudops",job="stream-scorer",pod="stream-scorer-a"';
const exporter = 'namespace="kafka",job="kafka/kafka-exporter",pod="fraudops-kafka-exporter-x"';
const group = 'fraudops-stream-scorer';
const cpuLabels = 'namespace="fraudops",container="scoring-api",resource="cpu",unit="core"';
/** Counters as promtool series: start at 0, add `perMinute` each minute for 10 minutes. */
const counter = (series: string, perMinute: number): { series: string; values: string } => ({
  series,
  values: `0+${perMinute}x10`,
});
const gauge = (series: string, value: number): { series: string; values: string } => ({
  series,
  values: `${value}x10`,
});
const sample = (expr: string, labels: string, value: number) => ({
  expr,
  eval_time: '8m',
  exp_samples: [{ labels, value }],
});

const cluster = {
  interval: '1m',
  input_series: [
    // Replica a uses 0.45 cores of its 0.5 requested (90%), b 0.15 (30%). cAdvisor also reports the pod's
    // cgroup (no container, no image) and the pause container; two kube-state-metrics report each request.
    counter(
      `container_cpu_usage_seconds_total{namespace="fraudops",pod="scoring-api-a",container="scoring-api",image="i"}`,
      27,
    ),
    counter(
      `container_cpu_usage_seconds_total{namespace="fraudops",pod="scoring-api-a",container="",image=""}`,
      27,
    ),
    counter(
      `container_cpu_usage_seconds_total{namespace="fraudops",pod="scoring-api-a",container="POD",image="pause"}`,
      1,
    ),
    counter(
      `container_cpu_usage_seconds_total{namespace="fraudops",pod="scoring-api-b",container="scoring-api",image="i"}`,
      9,
    ),
    gauge(`kube_pod_container_resource_requests{${cpuLabels},pod="scoring-api-a",instance="ksm-1"}`, 0.5),
    gauge(`kube_pod_container_resource_requests{${cpuLabels},pod="scoring-api-a",instance="ksm-2"}`, 0.5),
    gauge(`kube_pod_container_resource_requests{${cpuLabels},pod="scoring-api-b",instance="ksm-1"}`, 0.5),
    gauge(
      `kube_horizontalpodautoscaler_spec_max_replicas{namespace="fraudops",horizontalpodautoscaler="scoring-api",instance="ksm-1"}`,
      6,
    ),
    gauge(
      `kube_horizontalpodautoscaler_spec_max_replicas{namespace="fraudops",horizontalpodautoscaler="scoring-api",instance="ksm-2"}`,
      6,
    ),
    // 5 of 6 running: the HPA may still scale, so the page stays silent, and with every input of the page
    // present ScoringApiSaturationSignalsMissing does too (the timeline below shows no fraudops alert).
    gauge(
      `kube_horizontalpodautoscaler_status_current_replicas{namespace="fraudops",horizontalpodautoscaler="scoring-api",instance="ksm-1"}`,
      5,
    ),
    // Scoring succeeds; only /ready answers 503 (no model yet on some replica), which is not a scoring error.
    counter(
      `scoring_api_http_requests_total{${api},pod="scoring-api-a",method="POST",route="/predict",status_code="200"}`,
      60,
    ),
    counter(
      `scoring_api_http_requests_total{${api},pod="scoring-api-a",method="GET",route="/ready",status_code="503"}`,
      6,
    ),
    // nginx has answered, but never with 429 (no 429 series yet); no replica has shed a request, so no
    // rejected series.
    counter(`gateway_http_requests_total{namespace="fraudops",gateway="scoring-api",code="200"}`, 60),
    // Partitions 0 and 1 of the stream scorer's group, reported by a scorer and by Kafka's exporter, read a
    // moment apart: each partition counts once, at its larger figure (300 + 520).
    gauge(
      `kafka_consumergroup_lag{${scorer},consumergroup="${group}",topic="transactions",partition="0"}`,
      300,
    ),
    gauge(
      `kafka_consumergroup_lag{${scorer},consumergroup="${group}",topic="transactions",partition="1"}`,
      500,
    ),
    gauge(
      `kafka_consumergroup_lag{${exporter},consumergroup="${group}",topic="transactions",partition="0"}`,
      280,
    ),
    gauge(
      `kafka_consumergroup_lag{${exporter},consumergroup="${group}",topic="transactions",partition="1"}`,
      520,
    ),
    // Another group's lag is not the stream scorer's.
    gauge(`kafka_consumergroup_lag{${exporter},consumergroup="audit",topic="scores",partition="0"}`, 90000),
    // Dead letters: 15 invalid JSON events a minute (0.25/s), none of the other codes.
    counter(`stream_scorer_events_dead_lettered_total{${scorer},code="invalid_json"}`, 15),
    counter(`stream_scorer_events_dead_lettered_total{${scorer},code="invalid_event"}`, 0),
    counter(`stream_scorer_events_dead_lettered_total{${scorer},code="rejected_by_api"}`, 0),
    // v1 scores without flagging anything (no fraud series at all); v2 flags 3 of 60.
    counter(
      `scoring_api_predictions_total{${api},pod="scoring-api-a",decision="legit",model_version="v1"}`,
      60,
    ),
    counter(
      `scoring_api_predictions_total{${api},pod="scoring-api-b",decision="legit",model_version="v2"}`,
      57,
    ),
    counter(
      `scoring_api_predictions_total{${api},pod="scoring-api-b",decision="fraud",model_version="v2"}`,
      3,
    ),
    gauge(`scoring_api_model_info{${api},pod="scoring-api-a",name="m",version="v2",model_type="rf"}`, 1),
    gauge(`scoring_api_model_info{${api},pod="scoring-api-b",name="m",version="v2",model_type="rf"}`, 1),
    // Another team's alert must not show on the fraudops timeline.
    gauge(`ALERTS{alertname="Watchdog",alertstate="firing",severity="none"}`, 1),
  ],
  promql_expr_test: [
    {
      expr: exprOf(SERVICE_OVERVIEW_UID, 'CPU use over request'),
      eval_time: '8m',
      exp_samples: [
        { labels: '{pod="scoring-api-a"}', value: 0.9 },
        { labels: '{pod="scoring-api-b"}', value: 0.3 },
      ],
    },
    sample(exprOf(SERVICE_OVERVIEW_UID, 'Replicas', 'D'), '{}', 6),
    sample(exprOf(SERVICE_OVERVIEW_UID, 'Error ratio'), '{}', 0),
    sample(exprOf(SERVICE_OVERVIEW_UID, 'Rate-limited', 'A'), '{}', 0),
    sample(exprOf(SERVICE_OVERVIEW_UID, 'Rate-limited', 'B'), '{}', 0),
    sample(exprOf(SERVICE_OVERVIEW_UID, 'Consumer lag'), '{topic="transactions"}', 820),
    {
      expr: exprOf(SERVICE_OVERVIEW_UID, 'Dead letters'),
      eval_time: '8m',
      exp_samples: [
        { labels: '{code="invalid_json"}', value: 0.25 },
        { labels: '{code="invalid_event"}', value: 0 },
        { labels: '{code="rejected_by_api"}', value: 0 },
      ],
    },
    sample(exprOf(SERVICE_OVERVIEW_UID, 'fraudops alerts'), '{alertname="no fraudops alert"}', 0),
    {
      expr: exprOf(MODEL_QUALITY_UID, 'Flagged-fraud share'),
      eval_time: '8m',
      exp_samples: [
        { labels: '{model_version="v1"}', value: 0 },
        { labels: '{model_version="v2"}', value: 0.05 },
      ],
    },
    sample(exprOf(MODEL_QUALITY_UID, 'Model version over time'), '{version="v2"}', 2),
  ],
};

const alerting = {
  interval: '1m',
  input_series: [
    // The page's inputs, all present and quiet (20% of the request, 5 of 6 replicas): the project's rules
    // evaluate beside these ALERTS and must add none of their own.
    counter(
      `container_cpu_usage_seconds_total{namespace="fraudops",pod="scoring-api-a",container="scoring-api",image="i"}`,
      6,
    ),
    gauge(`kube_pod_container_resource_requests{${cpuLabels},pod="scoring-api-a"}`, 0.5),
    gauge(
      `kube_horizontalpodautoscaler_spec_max_replicas{namespace="fraudops",horizontalpodautoscaler="scoring-api"}`,
      6,
    ),
    gauge(
      `kube_horizontalpodautoscaler_status_current_replicas{namespace="fraudops",horizontalpodautoscaler="scoring-api"}`,
      5,
    ),
    // The page is one alert per namespace (no pod label); per-replica alerts carry their pod.
    gauge(
      `ALERTS{alertname="ScoringApiSaturatedAtMaxReplicas",alertstate="firing",namespace="fraudops",severity="critical"}`,
      1,
    ),
    gauge(
      `ALERTS{alertname="ScoringApiReplicaDown",alertstate="pending",namespace="fraudops",pod="scoring-api-b",severity="warning"}`,
      1,
    ),
    // The stream scorer's alert carries no pod: it is about the consumer group.
    gauge(
      `ALERTS{alertname="StreamScorerConsumerLagHigh",alertstate="pending",namespace="fraudops",consumergroup="fraudops-stream-scorer",topic="transactions",severity="warning"}`,
      1,
    ),
    gauge(`ALERTS{alertname="Watchdog",alertstate="firing",severity="none"}`, 1),
  ],
  promql_expr_test: [
    {
      expr: exprOf(SERVICE_OVERVIEW_UID, 'fraudops alerts'),
      eval_time: '5m',
      exp_samples: [
        { labels: '{alertname="ScoringApiReplicaDown",pod="scoring-api-b"}', value: 1 },
        { labels: '{alertname="ScoringApiSaturatedAtMaxReplicas"}', value: 2 },
        { labels: '{alertname="StreamScorerConsumerLagHigh"}', value: 1 },
      ],
    },
  ],
};

// The cluster's gateway: two Envoy proxies of the Gateway gateway/fraudops refuse 1/s and 0.5/s (as the
// PodMonitor envoy-proxy labels them); the panel shows the gateway's 1.5/s under the embedded stack's names.
const envoy = (pod: string, counter: string, perMinute: number) => ({
  series: `envoy_http_local_rate_limit_${counter}{envoy_local_http_ratelimit_prefix="http_local_rate_limiter",namespace="envoy-gateway-system",job="envoy-gateway-system/envoy-proxy",pod="${pod}",gateway_namespace="gateway",gateway="fraudops"}`,
  values: `0+${perMinute}x10`,
});
const envoyGateway = {
  interval: '1m',
  input_series: [
    envoy('envoy-a', 'enabled', 600),
    envoy('envoy-a', 'enforced', 60),
    envoy('envoy-b', 'enabled', 300),
    envoy('envoy-b', 'enforced', 30),
  ],
  promql_expr_test: [sample(exprOf(SERVICE_OVERVIEW_UID, 'Rate-limited', 'A'), '{}', 1.5)],
};

describe.each(prometheusToolsets().map((t) => [promtoolName(t), t] as const))(
  'dashboard queries on a synthetic cluster, %s',
  (_name, tools) => {
    it('count CPU per replica and lag per partition once, show 0 instead of nothing for absent errors and 429s, read either gateway, and map alert states', async () => {
      const file = join(workDir, `dashboard-queries-${tools.runsIn.replace(' ', '-')}.test.yml`);
      await writeFile(
        file,
        stringify({
          rule_files: ruleFiles(),
          evaluation_interval: '1m',
          tests: [cluster, alerting, envoyGateway],
        }),
      );
      // promtool exits 1 on a failed expectation and prints expected against got.
      const result = runTool(tools.promtool, ['test', 'rules', file]);
      expect(result.status, result.output).toBe(0);
    });
  },
);
