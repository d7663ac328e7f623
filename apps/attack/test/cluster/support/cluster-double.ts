// A stand-in for the cluster's monitoring, made of real processes: a real Prometheus loading the project's
// scoring-api rule file (fast profile: `for: 5m` becomes 30 s), a real Alertmanager with the project's rendered
// configuration, and, in place of kube-state-metrics and cAdvisor, the embedded stack's own exporter
// (renderClusterMetrics) for six replicas at their maximum whose CPU the test turns up. A webhook stands in
// for Telegram and e-mail. Optionally a real single-node Kafka for the attack to write to. Free loopback
// ports, one temporary folder, everything stopped by stop().
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repositoryRoot } from '@fraudops/config';
import { applyRulesProfile, renderAlertmanagerConfig } from '@fraudops/monitoring';
import {
  freePort,
  kafkaDaemonSpec,
  kafkaSettingsIn,
  prepareKafka,
  renderClusterMetrics,
  waitForHttpOk,
  waitForKafka,
} from '@fraudops/stack';
import { Admin } from '@platformatic/kafka';
import { stringify } from 'yaml';

export const kafkaLibsDir = join(repositoryRoot, '.tools', 'kafka', 'libs');
export const kafkaAvailable = (): boolean => existsSync(kafkaLibsDir);

const NAMESPACE = 'fraudops';
const DEPLOYMENT = 'scoring-api';
const CPU_REQUEST_CORES = 0.05;
export const PODS = [
  'scoring-api-7d9c5b6f4-2xk8p',
  'scoring-api-7d9c5b6f4-5tq2w',
  'scoring-api-7d9c5b6f4-9bmzr',
  'scoring-api-7d9c5b6f4-dz4lc',
  'scoring-api-7d9c5b6f4-hq7vn',
  'scoring-api-7d9c5b6f4-wr6jx',
];

export interface ClusterDouble {
  prometheusUrl: string;
  alertmanagerUrl: string;
  /** host:port of the Kafka broker; null without Kafka. */
  kafkaBootstrap: string | null;
  /** Sets the replicas' CPU use, as a share of the request (one for all, or one per pod), from now on. */
  setCpuUtilization: (utilization: number | readonly number[]) => void;
  /** What reached the webhook receiver (Alertmanager's notifications). */
  webhookBodies: () => { status: string; alerts: { status: string; labels: Record<string, string> }[] }[];
  /** The last lines each process printed, for a failure message. */
  logs: () => string;
  stop: () => Promise<void>;
}

async function listen(server: Server, port: number): Promise<void> {
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
}

export async function startClusterDouble(options: { kafka: boolean }): Promise<ClusterDouble> {
  const dir = mkdtempSync(join(tmpdir(), 'fraudops-cluster-attack-'));
  const children: { name: string; child: ChildProcess; output: string[] }[] = [];
  const servers: Server[] = [];
  const start = (name: string, command: string, args: string[]): ChildProcess => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    children.push({ name, child, output });
    return child;
  };
  const alive = (child: ChildProcess) => () => child.exitCode === null;
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }),
    );
    await Promise.all(
      servers.map(
        async (server) =>
          new Promise<void>((resolve) => {
            server.close(() => {
              resolve();
            });
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    // The exporter: CPU seconds integrate the utilisation the test sets, so that rate() sees it.
    let utilization: readonly number[] = PODS.map(() => 0.2);
    const cpuSeconds = PODS.map(() => 0);
    let lastAt = Date.now();
    const exporter = createServer((_request, response) => {
      const now = Date.now();
      PODS.forEach((_pod, i) => {
        cpuSeconds[i] =
          (cpuSeconds[i] ?? 0) + ((now - lastAt) / 1000) * (utilization[i] ?? 0) * CPU_REQUEST_CORES;
      });
      lastAt = now;
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      // Strimzi's Kafka Exporter reports the lag per consumer group, topic and partition.
      const lag = [
        '# TYPE kafka_consumergroup_lag gauge',
        ...[120, 80, 0, 45, 300, 7].map(
          (value, partition) =>
            `kafka_consumergroup_lag{consumergroup="fraudops-stream-scorer",partition="${partition}",topic="transactions"} ${value}`,
        ),
      ].join('\n');
      response.end(
        `${lag}\n` +
          renderClusterMetrics({
            namespace: NAMESPACE,
            deployment: DEPLOYMENT,
            container: 'scoring-api',
            image: 'fraudops/scoring-api:test',
            node: 'node-1',
            cpuRequestCores: CPU_REQUEST_CORES,
            pods: PODS.map((name, i) => ({ name, ready: true, cpuSeconds: cpuSeconds[i] ?? 0 })),
            hpa: { minReplicas: 4, maxReplicas: 6, currentReplicas: 6, desiredReplicas: 6 },
            gatewayResponses: new Map([[200, 1]]),
            gatewayName: DEPLOYMENT,
          }),
      );
    });
    servers.push(exporter);
    const exporterPort = await freePort();
    await listen(exporter, exporterPort);

    const received: ReturnType<ClusterDouble['webhookBodies']> = [];
    const webhook = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push(JSON.parse(body) as (typeof received)[number]);
        response.writeHead(200);
        response.end();
      });
    });
    servers.push(webhook);
    const webhookPort = await freePort();
    await listen(webhook, webhookPort);

    const alertmanagerPort = await freePort();
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      renderAlertmanagerConfig({ profile: 'fast', webhookUrl: `http://127.0.0.1:${webhookPort}/alerts` }),
    );
    const alertmanager = start('alertmanager', 'prometheus-alertmanager', [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'alertmanager-data')}`,
      `--web.listen-address=127.0.0.1:${alertmanagerPort}`,
      '--cluster.listen-address=',
    ]);

    const prometheusPort = await freePort();
    const rules = join(dir, 'scoring-api.rules.yaml');
    writeFileSync(
      rules,
      applyRulesProfile(
        readFileSync(join(repositoryRoot, 'monitoring', 'rules', 'scoring-api.rules.yaml'), 'utf8'),
        'fast',
      ),
    );
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [rules],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${alertmanagerPort}`] }] }] },
        // honor_labels: the exporter's namespace and pod are the pods', not the scrape target's.
        scrape_configs: [
          {
            job_name: 'kube-state-metrics',
            honor_labels: true,
            static_configs: [{ targets: [`127.0.0.1:${exporterPort}`] }],
          },
          // In a cluster the stream scorer exports the same lag series as the Kafka Exporter: the watcher
          // must count each partition once (552 in all), not once per exporter.
          {
            job_name: 'stream-scorer',
            honor_labels: true,
            static_configs: [{ targets: [`127.0.0.1:${exporterPort}`] }],
            metric_relabel_configs: [
              { source_labels: ['__name__'], regex: 'kafka_consumergroup_lag', action: 'keep' },
            ],
          },
        ],
      }),
    );
    const prometheus = start('prometheus', 'prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${prometheusPort}`,
      // Without it the first firing send can beat the discovery of Alertmanager and wait a minute to resend.
      '--rules.alert.resend-delay=1s',
    ]);

    let kafkaBootstrap: string | null = null;
    if (options.kafka) {
      const settings = kafkaSettingsIn(join(dir, 'kafka'), {
        endpoint: { host: '127.0.0.1', port: await freePort(), controllerPort: await freePort() },
        logsDir: join(dir, 'kafka', 'logs'),
        libsDir: kafkaLibsDir,
        topics: [],
      });
      await prepareKafka(settings);
      const spec = kafkaDaemonSpec(settings);
      const broker = start('kafka', spec.command, [...spec.args]);
      await waitForKafka(settings.host, settings.port, 60_000, { stillRunning: alive(broker) });
      kafkaBootstrap = `${settings.host}:${settings.port}`;
      const admin = new Admin({ clientId: 'attack-test', bootstrapBrokers: [kafkaBootstrap] });
      try {
        await admin.createTopics({ topics: ['transactions'], partitions: 6, replicas: 1 });
      } finally {
        await admin.close();
      }
    }

    await waitForHttpOk(`http://127.0.0.1:${alertmanagerPort}/-/ready`, {
      timeoutMs: 20_000,
      stillRunning: alive(alertmanager),
    });
    await waitForHttpOk(`http://127.0.0.1:${prometheusPort}/-/ready`, {
      timeoutMs: 30_000,
      stillRunning: alive(prometheus),
    });
    return {
      prometheusUrl: `http://127.0.0.1:${prometheusPort}`,
      alertmanagerUrl: `http://127.0.0.1:${alertmanagerPort}`,
      kafkaBootstrap,
      setCpuUtilization: (value) => {
        utilization = typeof value === 'number' ? PODS.map(() => value) : value;
      },
      webhookBodies: () => received,
      logs: () =>
        children
          .map(({ name, output }) => `--- ${name}\n${output.join('').split('\n').slice(-15).join('\n')}`)
          .join('\n'),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
