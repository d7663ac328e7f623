// The configurations the stack renders are accepted by the real programs that read them.
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderClusterMetrics } from '../src/cluster/kube-metrics.ts';
import { renderNginxConfig } from '../src/gateway/nginx-config.ts';
import { renderPrometheusConfig, renderReplicaTargets } from '../src/prometheus/prometheus-config.ts';

const scratch = (): Promise<string> => mkdtemp(join(tmpdir(), 'fraudops-stack-'));

function run(command: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('nginx gateway config', () => {
  it.each([
    ['with ready replicas', [18101, 18102]],
    ['with no replica ready', []],
  ])('passes nginx -t %s', async (_name, ports) => {
    const dir = await scratch();
    const config = join(dir, 'nginx.conf');
    await writeFile(
      config,
      renderNginxConfig({
        host: '127.0.0.1',
        port: 18080,
        upstreamPorts: ports,
        rateLimit: { requestsPerSecond: 300, burst: 600 },
        prefix: dir,
        accessLog: join(dir, 'access.log'),
        errorLog: join(dir, 'error.log'),
        bodyLimitBytes: 2 * 1024 * 1024,
      }),
    );
    const check = run('nginx', ['-t', '-p', dir, '-c', config, '-e', join(dir, 'error.log')]);
    expect(check.status, check.output).toBe(0);
  });

  it('rate-limits per client with 429 and balances over exactly the ready replicas', () => {
    const text = renderNginxConfig({
      host: '127.0.0.1',
      port: 8080,
      upstreamPorts: [18101, 18103],
      rateLimit: { requestsPerSecond: 300, burst: 600 },
      prefix: '/x',
      accessLog: '/x/a.log',
      errorLog: '/x/e.log',
      bodyLimitBytes: 1024,
    });
    expect(text).toContain('limit_req_zone $binary_remote_addr zone=per_client:10m rate=300r/s;');
    expect(text).toContain('limit_req zone=per_client burst=600 nodelay;');
    expect(text).toContain('limit_req_status 429;');
    expect(text.match(/server 127\.0\.0\.1:\d+/g)).toEqual([
      'server 127.0.0.1:18101',
      'server 127.0.0.1:18103',
    ]);
  });
});

describe('prometheus config', () => {
  it('passes promtool check config, with the replica targets file', async () => {
    const dir = await scratch();
    const targets = join(dir, 'targets.json');
    await writeFile(
      targets,
      renderReplicaTargets('fraudops', 'scoring-api', [
        { pod: 'scoring-api-abcde', address: '127.0.0.1:18101' },
      ]),
    );
    const config = join(dir, 'prometheus.yml');
    await writeFile(
      config,
      renderPrometheusConfig({
        scrapeInterval: '1s',
        evaluationInterval: '1s',
        ruleFiles: [],
        alertmanager: '127.0.0.1:19093',
        exporter: '127.0.0.1:19100',
        self: '127.0.0.1:19090',
        replicaTargetsFile: targets,
        streamScorer: '127.0.0.1:19096',
        attack: '127.0.0.1:19097',
        world: '127.0.0.1:19101',
        lakeSink: '127.0.0.1:19102',
        quality: '127.0.0.1:19103',
      }),
    );
    const check = run('promtool', ['check', 'config', config]);
    expect(check.status, check.output).toBe(0);
  });
});

describe('cluster metrics exposition', () => {
  it('passes promtool check metrics and carries the Kubernetes series the rules use', async () => {
    const text = renderClusterMetrics({
      namespace: 'fraudops',
      deployment: 'scoring-api',
      container: 'scoring-api',
      image: 'fraudops/scoring-api:local',
      node: 'localhost',
      cpuRequestCores: 0.25,
      pods: [
        { name: 'scoring-api-bcdfg', ready: true, cpuSeconds: 12.5 },
        { name: 'scoring-api-hjklm', ready: false, cpuSeconds: 0.3 },
      ],
      hpa: { minReplicas: 4, maxReplicas: 6, currentReplicas: 2, desiredReplicas: 4 },
      gatewayResponses: new Map([
        [200, 10],
        [429, 3],
      ]),
      gatewayName: 'scoring-api',
    });
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    // promtool only lints names and help texts; a parse error would make it fail.
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
    expect(text).toContain(
      'container_cpu_usage_seconds_total{namespace="fraudops",pod="scoring-api-bcdfg",container="scoring-api",image="fraudops/scoring-api:local"',
    );
    expect(text).toContain(
      'container_cpu_usage_seconds_total{namespace="fraudops",pod="scoring-api-bcdfg",container="POD"',
    );
    expect(text).toContain(
      'kube_pod_container_resource_requests{namespace="fraudops",pod="scoring-api-hjklm",container="scoring-api",node="localhost",resource="cpu",unit="core"} 0.25',
    );
    expect(text).toContain(
      'kube_horizontalpodautoscaler_spec_max_replicas{namespace="fraudops",horizontalpodautoscaler="scoring-api"} 6',
    );
    expect(text).toContain(
      'gateway_http_requests_total{namespace="fraudops",gateway="scoring-api",code="429"} 3',
    );
  });
});
