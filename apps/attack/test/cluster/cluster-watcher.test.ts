// The cluster watcher's pure parts on response bodies recorded from a real Prometheus (the project's rule
// file, fast profile) and a real Alertmanager 0.25 (fixtures/, re-recorded by support/record-fixtures.ts),
// and the watcher's I/O against a server that answers with those bodies.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { renderClusterMetrics } from '@fraudops/stack';
import { afterEach, describe, expect, it } from 'vitest';
import {
  alertmanagerAlertsPath,
  CLUSTER_QUERY_IDS,
  clusterNotification,
  clusterQueries,
  clusterSnapshot,
  ClusterWatcher,
  deliverableAlerts,
  parseInstantVector,
  type AlertmanagerAlert,
  type ClusterQueryId,
  type ClusterReadings,
} from '../../src/cluster/cluster-watcher.ts';
import { SATURATION_ALERT } from '../../src/watcher.ts';

interface Recorded {
  recordedAt: string;
  since: string;
  prometheus: Record<ClusterQueryId, unknown>;
  alertmanager: AlertmanagerAlert[];
  alertmanagerUnfiltered: AlertmanagerAlert[];
}

const fixture = (name: string): Recorded =>
  JSON.parse(readFileSync(new URL(`fixtures/${name}.json`, import.meta.url), 'utf8')) as Recorded;
const pending = fixture('pending');
const firing = fixture('firing');
const silenced = fixture('silenced');

const target = { namespace: 'fraudops', deployment: 'scoring-api', transactionsTopic: 'transactions' };

function readings(recorded: Recorded, alertmanager = recorded.alertmanager): ClusterReadings {
  const vectors = Object.fromEntries(
    CLUSTER_QUERY_IDS.map((id) => [id, parseInstantVector(recorded.prometheus[id])]),
  ) as Record<ClusterQueryId, ReturnType<typeof parseInstantVector>>;
  return { ...vectors, alertmanager };
}

const contextOf = (recorded: Recorded) => ({
  since: new Date(recorded.since),
  now: new Date(recorded.recordedAt),
  notified: null,
});

describe('the queries', () => {
  const rules = readFileSync(
    new URL('../../../../monitoring/rules/scoring-api.rules.yaml', import.meta.url),
    'utf8',
  );
  const exporter = renderClusterMetrics({
    namespace: 'fraudops',
    deployment: 'scoring-api',
    container: 'scoring-api',
    image: 'i',
    node: 'n',
    cpuRequestCores: 0.25,
    pods: [{ name: 'scoring-api-abcde', ready: true, cpuSeconds: 1 }],
    hpa: { minReplicas: 4, maxReplicas: 6, currentReplicas: 6, desiredReplicas: 6 },
    gatewayResponses: new Map(),
    gatewayName: 'scoring-api',
  });
  const q = clusterQueries(target);
  const metricNames = (promql: string): string[] =>
    [...promql.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1] ?? '');

  it('read only series that the alert rule uses or records, or that the embedded exporter serves', () => {
    const names = CLUSTER_QUERY_IDS.flatMap((id) => metricNames(q[id]));
    expect(names).toHaveLength(7);
    // kafka_consumergroup_lag comes from Kafka's exporter (Strimzi's; the stream scorer locally), ALERTS
    // from Prometheus itself.
    const elsewhere = new Set(['kafka_consumergroup_lag', 'ALERTS']);
    for (const name of names.filter((n) => !elsewhere.has(n))) {
      const recorded = rules.includes(`- record: ${name}\n`);
      const served = exporter.includes(`\n${name}{`);
      expect(recorded || served, `${name}: neither a recording rule nor served by the exporter`).toBe(true);
    }
  });

  it('take the replicas from the very HPA series the alert compares, and CPU from its recording rule', () => {
    expect(rules).toContain('kube_horizontalpodautoscaler_spec_max_replicas');
    expect(rules).toContain('kube_horizontalpodautoscaler_status_current_replicas');
    expect(q.maxReplicas).toBe(
      'max(kube_horizontalpodautoscaler_spec_max_replicas{namespace="fraudops", horizontalpodautoscaler="scoring-api"})',
    );
    expect(q.currentReplicas).toContain('kube_horizontalpodautoscaler_status_current_replicas{');
    // The alert reads the hottest replica's ratio; the watcher shows every replica's, from the per-pod
    // recording that the hottest-replica recording takes its maximum of.
    const hottest = /- record: namespace:\S+:max_ratio_rate2m\n\s+expr: max by \(namespace\) \((\S+)\)/.exec(
      rules,
    );
    expect(hottest?.[1]).toBeDefined();
    expect(rules).toMatch(
      /- alert: ScoringApiSaturatedAtMaxReplicas\n\s+expr: \|\n\s+max_over_time\(namespace:\S+:max_ratio_rate2m\[/,
    );
    expect(q.cpu).toBe(`max by (pod) (${hottest?.[1] ?? ''}{namespace="fraudops"})`);
  });

  it('select the configured namespace, deployment and topic', () => {
    const other = clusterQueries({ namespace: 'prod', deployment: 'api.v2', transactionsTopic: 'tx' });
    expect(other.alerts).toBe(`ALERTS{alertname="${SATURATION_ALERT}", namespace="prod"}`);
    expect(other.lag).toBe('sum(max by (consumergroup, partition) (kafka_consumergroup_lag{topic="tx"}))');
    // A dot in the name is a literal dot in the regular expression (PromQL string escaping doubles it).
    expect(other.ready).toBe(
      'max by (pod) (kube_pod_status_ready{namespace="prod", condition="true", pod=~"api\\\\.v2-.+"})',
    );
    expect(other.desiredReplicas).toContain('horizontalpodautoscaler="api.v2"');
  });

  it('ask Alertmanager only for instances it will deliver', () => {
    const url = new URL(alertmanagerAlertsPath(target), 'http://am');
    expect(url.pathname).toBe('/api/v2/alerts');
    expect(url.searchParams.getAll('filter')).toEqual([
      `alertname="${SATURATION_ALERT}"`,
      'namespace="fraudops"',
    ]);
    expect(url.searchParams.get('silenced')).toBe('false');
    expect(url.searchParams.get('inhibited')).toBe('false');
    expect(url.searchParams.get('active')).toBe('true');
  });
});

describe('Prometheus answers', () => {
  it('become samples with numeric values', () => {
    const cpu = parseInstantVector(pending.prometheus.cpu);
    expect(cpu).toHaveLength(6);
    expect(cpu[0]?.labels.pod).toBe('scoring-api-7d9c5b6f4-2xk8p');
    expect(cpu[0]?.value).toBeCloseTo(1.32, 2);
  });

  it('name the error of a refused query', () => {
    const refused: unknown = JSON.parse(
      readFileSync(new URL('fixtures/prometheus-error.json', import.meta.url), 'utf8'),
    );
    expect(() => parseInstantVector(refused)).toThrow(/bad_data.*unclosed left parenthesis/);
  });

  it('refuse anything but an instant vector', () => {
    expect(() =>
      parseInstantVector({ status: 'success', data: { resultType: 'matrix', result: [] } }),
    ).toThrow(/matrix result, not a vector/);
    expect(() => parseInstantVector('<html>')).toThrow(/refused/);
  });
});

describe('a snapshot', () => {
  it('while the alert is pending: six replicas at their maximum, each CPU, the lag, nothing at Alertmanager', () => {
    const s = clusterSnapshot(readings(pending), target, contextOf(pending));
    expect(s.replicas).toEqual({ current: 6, desired: 6, max: 6 });
    expect(s.pods.map((p) => [p.name.slice(-5), Math.round(p.cpuUtilization * 100), p.ready])).toEqual([
      ['2xk8p', 132, true],
      ['5tq2w', 95, true],
      ['9bmzr', 70, true],
      ['dz4lc', 110, true],
      ['hq7vn', 85, true],
      ['wr6jx', 40, true],
    ]);
    expect(s.lag).toBe(552);
    expect(s.alert).toBe('pending');
    expect(s.atAlertmanager).toBe(false);
    expect(s.notification).toBeNull();
  });

  it('once Alertmanager holds a firing instance: notified, with its labels, annotations and receiver', () => {
    const s = clusterSnapshot(readings(firing), target, contextOf(firing));
    expect(s.alert).toBe('firing');
    expect(s.atAlertmanager).toBe(true);
    expect(s.notification).toMatchObject({
      receivedAt: firing.recordedAt,
      receiver: 'administrator',
      status: 'firing',
    });
    expect(s.notification?.alerts).toHaveLength(1);
    expect(s.notification?.alerts[0]?.labels).toMatchObject({
      alertname: SATURATION_ALERT,
      namespace: 'fraudops',
      pod: 'scoring-api-7d9c5b6f4-2xk8p',
      severity: 'critical',
    });
    expect(s.notification?.alerts[0]?.annotations.description).toMatch(/has used 132% of its CPU request/);
  });

  it('does not count an instance that fired before the attack started', () => {
    const startsAt = Date.parse(firing.alertmanager[0]?.startsAt ?? '');
    const s = clusterSnapshot(readings(firing), target, {
      ...contextOf(firing),
      since: new Date(startsAt + 1),
    });
    expect(s.atAlertmanager).toBe(true);
    expect(s.notification).toBeNull();
  });

  it('leaves out a silenced instance even when the listing includes it', () => {
    const listed = silenced.alertmanagerUnfiltered;
    expect(listed.map((a) => a.status.state).sort()).toEqual(['active', 'active', 'suppressed']);
    const now = new Date(silenced.recordedAt);
    const delivered = deliverableAlerts(listed, target, now).map((a) => a.labels.pod);
    expect(delivered.sort()).toEqual(['scoring-api-7d9c5b6f4-5tq2w', 'scoring-api-7d9c5b6f4-dz4lc']);
    const silencedPod = listed.find((a) => a.status.state === 'suppressed')?.labels.pod;
    const note = clusterNotification(deliverableAlerts(listed, target, now), new Date(silenced.since), now);
    expect(note?.alerts.map((a) => a.labels.pod)).not.toContain(silencedPod);
    expect(note?.alerts).toHaveLength(2);
  });

  it('does not count an instance whose last word from Prometheus has expired, nor another namespace', () => {
    const alert = firing.alertmanager[0] as AlertmanagerAlert;
    const afterEnd = new Date(Date.parse(alert.endsAt) + 1);
    expect(deliverableAlerts([alert], target, afterEnd)).toEqual([]);
    expect(
      deliverableAlerts([alert], { ...target, namespace: 'staging' }, new Date(firing.recordedAt)),
    ).toEqual([]);
  });

  it('keeps the notification once found, and leaves unknown what did not answer', () => {
    const first = clusterSnapshot(readings(firing), target, contextOf(firing));
    const later = clusterSnapshot(
      { ...readings(pending), alerts: null, cpu: null, lag: null, alertmanager: null },
      target,
      { ...contextOf(firing), notified: first.notification },
    );
    expect(later.notification).toBe(first.notification);
    expect(later.alert).toBeNull();
    expect(later.lag).toBeNull();
    expect(later.atAlertmanager).toBeNull();
    // Without the CPU ratios, the pods still come from their readiness, at 0 until the ratio is known.
    expect(later.pods).toHaveLength(6);
    expect(later.pods.every((p) => p.cpuUtilization === 0)).toBe(true);
  });

  it('has no replicas when one of the HPA series is missing', () => {
    const s = clusterSnapshot({ ...readings(pending), maxReplicas: [] }, target, contextOf(pending));
    expect(s.replicas).toBeNull();
  });
});

describe('the watcher', () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server?.listening === true) {
      server.close();
      await once(server, 'close');
    }
  });

  /** Answers each query with the body recorded for it; `broken` queries answer HTTP 503. */
  async function serve(recorded: Recorded, broken: ClusterQueryId[] = []): Promise<string> {
    const byQuery = new Map(CLUSTER_QUERY_IDS.map((id) => [clusterQueries(target)[id], id]));
    server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://x');
      const id = byQuery.get(url.searchParams.get('query') ?? '');
      let body: unknown;
      if (url.pathname === '/api/v2/alerts') body = recorded.alertmanager;
      else if (url.pathname === '/api/v1/query' && id !== undefined && !broken.includes(id))
        body = recorded.prometheus[id];
      if (body === undefined) {
        response.writeHead(503);
        response.end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('reads every query and Alertmanager, each on its own', async () => {
    // Prometheus' last word on the instance expires 4 resend delays after it was sent: still valid now.
    const endsAt = new Date(Date.now() + 60_000).toISOString();
    const url = await serve({ ...firing, alertmanager: firing.alertmanager.map((a) => ({ ...a, endsAt })) }, [
      'lag',
    ]);
    const watcher = new ClusterWatcher({
      prometheusUrl: url,
      alertmanagerUrl: url,
      target,
      since: new Date(firing.since),
    });
    const s = await watcher.snapshot();
    expect(s.replicas).toEqual({ current: 6, desired: 6, max: 6 });
    expect(s.pods).toHaveLength(6);
    expect(s.alert).toBe('firing');
    expect(s.lag).toBeNull();
    expect(s.atAlertmanager).toBe(true);
    expect(s.notification?.alerts[0]?.labels.pod).toBe('scoring-api-7d9c5b6f4-2xk8p');
    // Resolved since: the notification stays what it was.
    await new Promise((resolve) => server?.close(resolve));
    const later = await watcher.snapshot();
    expect(later.atAlertmanager).toBeNull();
    expect(later.notification).toBe(s.notification);
  });

  it('names the variable of a source that does not answer', async () => {
    const url = await serve(firing);
    const watcher = new ClusterWatcher({
      prometheusUrl: url,
      alertmanagerUrl: 'http://127.0.0.1:9',
      target,
      since: new Date(),
      timeoutMs: 1000,
    });
    const problems = await watcher.problems();
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^Prometheus at http:\/\/127\.0\.0\.1:\d+ \(PROMETHEUS_URL\): .*503/);
    expect(problems[1]).toMatch(/^Alertmanager at http:\/\/127\.0\.0\.1:9 \(ALERTMANAGER_URL\)/);
  });
});
