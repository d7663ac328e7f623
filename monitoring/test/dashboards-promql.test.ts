// Every query of every panel, parsed and evaluated by a real Prometheus (the Debian 2.42 the stack runs), so a
// syntax or type error fails here rather than as "bad_data" in a Grafana panel. The throwaway server scrapes
// nothing: empty results are expected; only the status matters. Then promtool evaluates the queries whose
// joins and fallbacks are easy to get wrong over a small synthetic cluster, with exact expected values.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitForHttpOk } from '@fraudops/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  MODEL_QUALITY_UID,
  SERVICE_OVERVIEW_UID,
  dashboards,
  panelQueries,
} from '../dashboards/src/index.ts';

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
    // Scoring succeeds; only /ready answers 503 (no model yet on some replica), which is not a scoring error.
    counter(
      `scoring_api_http_requests_total{${api},pod="scoring-api-a",method="POST",route="/predict",status_code="200"}`,
      60,
    ),
    counter(
      `scoring_api_http_requests_total{${api},pod="scoring-api-a",method="GET",route="/ready",status_code="503"}`,
      6,
    ),
    // The gateway has answered, but never with 429; no replica has shed a request, so no rejected series.
    counter(`gateway_http_requests_total{namespace="fraudops",gateway="scoring-api",code="200"}`, 60),
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
    sample(exprOf(SERVICE_OVERVIEW_UID, 'ScoringApi alerts'), '{alertname="no ScoringApi alert"}', 0),
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
    gauge(
      `ALERTS{alertname="ScoringApiSaturatedAtMaxReplicas",alertstate="firing",pod="scoring-api-a",severity="critical"}`,
      1,
    ),
    gauge(
      `ALERTS{alertname="ScoringApiSaturatedAtMaxReplicas",alertstate="pending",pod="scoring-api-b",severity="critical"}`,
      1,
    ),
  ],
  promql_expr_test: [
    {
      expr: exprOf(SERVICE_OVERVIEW_UID, 'ScoringApi alerts'),
      eval_time: '5m',
      exp_samples: [
        { labels: '{alertname="ScoringApiSaturatedAtMaxReplicas",pod="scoring-api-a"}', value: 2 },
        { labels: '{alertname="ScoringApiSaturatedAtMaxReplicas",pod="scoring-api-b"}', value: 1 },
      ],
    },
  ],
};

describe('dashboard queries on a synthetic cluster (promtool)', () => {
  it('count CPU per replica once, show 0 instead of nothing for absent errors and 429s, and map alert states', async () => {
    const file = join(workDir, 'dashboard-queries.test.yml');
    await writeFile(
      file,
      stringify({ rule_files: [], evaluation_interval: '1m', tests: [cluster, alerting] }),
    );
    // promtool exits 1 on a failed expectation and prints expected against got: show that, not a stack trace.
    const result = await promisify(execFile)('promtool', ['test', 'rules', file]).then(
      ({ stdout }) => ({ ok: true, output: stdout }),
      (error: unknown) => {
        const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
        return { ok: false, output: `${stdout}${stderr}` };
      },
    );
    expect(result.ok, result.output).toBe(true);
  });
});
