// The embedded stack end to end, through the CLI as a user runs it, in the fast profile on private ports:
// up -> 4 healthy replicas as Prometheus targets -> load through the gateway -> the twin scales to 6 ->
// the saturation alert reaches the receiver naming a hot replica -> down leaves no process behind.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadProjectConfig, type ProjectConfig } from '@fraudops/config';
import { withoutLabels, type Transaction } from '@fraudops/contracts';
import { QUERY_VARIABLES, dashboards, panelQueries } from '@fraudops/monitoring';
import { freePort, isAlive } from '@fraudops/stack';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../bin/fraudops.js', import.meta.url));
const project = loadProjectConfig();

let configFile: string;
let env: NodeJS.ProcessEnv;
let stateDir: string;
let ports: { gateway: number; prometheus: number; alertmanager: number; receiver: number; cluster: number };

async function fraudops(...args: string[]): Promise<string> {
  const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env, timeout: 300_000 });
  return `${stdout}${stderr}`;
}

async function json<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return (await response.json()) as T;
}

interface Status {
  hpa: { currentReplicas: number; maxReplicas: number };
  pods: { name: string; pid: number; ready: boolean; terminating: boolean }[];
}
const clusterStatus = (): Promise<Status> => json<Status>(`http://127.0.0.1:${ports.cluster}/status`);

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'fraudops-stack-e2e-'));
  ports = {
    gateway: await freePort(),
    prometheus: await freePort(),
    alertmanager: await freePort(),
    receiver: await freePort(),
    cluster: await freePort(),
  };
  // Below Linux's ephemeral range (32768+), so no outgoing connection can hold a replica's port.
  const replicaBase = 20_000 + Math.floor(Math.random() * 10_000);
  const raw = JSON.parse(readFileSync(join(project.root, 'fraudops.config.json'), 'utf8')) as Omit<
    ProjectConfig,
    'root'
  >;
  raw.stateDir = stateDir;
  raw.model.modelsDir = join(inject('modelDir'), '..');
  raw.data = { dir: join(stateDir, 'data'), replayFile: inject('replayFile') };
  raw.run = { pidsDir: join(stateDir, 'run'), logsDir: join(stateDir, 'logs') };
  raw.stack.kafka = { ...raw.stack.kafka, port: await freePort(), controllerPort: await freePort() };
  raw.stack.gateway.port = ports.gateway;
  raw.stack.prometheus.port = ports.prometheus;
  raw.stack.alertmanager.port = ports.alertmanager;
  raw.stack.receiver.port = ports.receiver;
  raw.stack.receiver.notificationsFile = join(stateDir, 'notifications.jsonl');
  raw.stack.cluster.port = ports.cluster;
  raw.stack.replicas.basePort = replicaBase;
  configFile = join(stateDir, 'fraudops.config.json');
  writeFileSync(configFile, JSON.stringify(raw, null, 2));
  env = { ...process.env, FRAUDOPS_CONFIG: configFile };
});

afterAll(async () => {
  await fraudops('down').catch(() => undefined);
});

describe('the embedded stack (fast profile)', () => {
  it('comes up with 4 healthy replicas as Prometheus targets', async () => {
    const output = await fraudops('up', '--profile', 'fast');
    for (const component of ['kafka', 'prometheus', 'alertmanager', 'alert-receiver', 'gateway', 'cluster']) {
      expect(output).toContain(`==> ${component}:`);
    }
    const status = await clusterStatus();
    expect(status.pods.filter((p) => p.ready)).toHaveLength(4);
    await expect
      .poll(
        async () => {
          const targets = await json<{
            data: { activeTargets: { labels: { job: string; pod: string }; health: string }[] };
          }>(`http://127.0.0.1:${ports.prometheus}/api/v1/targets?state=active`);
          return targets.data.activeTargets.filter((t) => t.labels.job === 'scoring-api' && t.health === 'up')
            .length;
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe(4);
    expect(await fraudops('status')).toMatch(/gateway\s+\d+\s+127\.0\.0\.1:\d+\s+healthy/);
    // A second `up` is harmless: it finds everything running and starts nothing.
    const again = await fraudops('up', '--profile', 'fast');
    expect(again.match(/already running/g)).toHaveLength(6);
  });

  it('rate-limits one client at the gateway with 429, counted in gateway_http_requests_total', async () => {
    // 1,200 requests from one address on 100 connections, in about a second: well past 300/s with a burst
    // of 600 (and within nginx's worker_connections).
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        for (let i = 0; i < 12; i++) {
          const status = await fetch(`http://127.0.0.1:${ports.gateway}/health`).then(
            async (response) => {
              await response.body?.cancel();
              return response.status;
            },
            () => 0,
          );
          statuses.push(status);
        }
      }),
    );
    expect(statuses).toContain(200);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    const limited = statuses.filter((s) => s === 429).length;
    await expect
      .poll(
        async () => {
          const text = await (await fetch(`http://127.0.0.1:${ports.cluster}/metrics`)).text();
          return Number(/gateway_http_requests_total\{[^}]*code="429"\} (\d+)/.exec(text)?.[1] ?? 0);
        },
        { timeout: 10_000, interval: 500 },
      )
      .toBe(limited);
  });

  it('scales to 6 under load through the gateway, and the saturation alert reaches the receiver', async () => {
    const replay = readFileSync(inject('replayFile'), 'utf8').split('\n', 1000).filter(Boolean);
    const body = JSON.stringify({
      transactions: replay.map((line) => withoutLabels(JSON.parse(line) as Transaction)),
    });
    let loading = true;
    const codes = new Map<number, number>();
    const client = async (): Promise<void> => {
      while (loading) {
        const response = await fetch(`http://127.0.0.1:${ports.gateway}/predict/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        }).catch(() => null);
        if (response) {
          await response.body?.cancel();
          codes.set(response.status, (codes.get(response.status) ?? 0) + 1);
        }
      }
    };
    const clients = Array.from({ length: 4 }, client);
    try {
      await expect
        .poll(async () => (await clusterStatus()).hpa.currentReplicas, { timeout: 120_000, interval: 1000 })
        .toBe(6);
      const notifications = join(stateDir, 'notifications.jsonl');
      const saturation = async (): Promise<
        { status: string; labels: Record<string, string> } | undefined
      > => {
        if (!existsSync(notifications)) return undefined;
        for (const line of readFileSync(notifications, 'utf8').split('\n').filter(Boolean)) {
          const payload = JSON.parse(line) as {
            alerts: { status: string; labels: Record<string, string> }[];
          };
          const alert = payload.alerts.find(
            (a) => a.labels.alertname === 'ScoringApiSaturatedAtMaxReplicas' && a.status === 'firing',
          );
          if (alert) return alert;
        }
        return undefined;
      };
      await expect.poll(saturation, { timeout: 180_000, interval: 2000 }).toBeDefined();
      const alert = await saturation();
      const pods = (await clusterStatus()).pods.map((p) => p.name);
      expect(alert?.labels).toMatchObject({ severity: 'critical', namespace: 'fraudops' });
      expect(pods).toContain(alert?.labels.pod);

      // Every dashboard panel's query, against this Prometheus with the stack's data, while under load.
      const empty: string[] = [];
      for (const query of panelQueries(dashboards(), {
        ...QUERY_VARIABLES,
        __rate_interval: '20s',
        __range: '1m',
      })) {
        const url = `http://127.0.0.1:${ports.prometheus}/api/v1/query?query=${encodeURIComponent(query.expr)}`;
        const answer = await json<{ status: string; data: { result: unknown[] } }>(url);
        expect(answer.status, `${query.dashboard} / ${query.panel}: ${query.expr}`).toBe('success');
        if (answer.data.result.length === 0)
          empty.push(`${query.dashboard} / ${query.panel} [${query.refId}]: ${query.expr}`);
      }
      expect(empty).toEqual([]);
    } finally {
      loading = false;
      await Promise.all(clients);
    }
    expect(codes.get(200) ?? 0).toBeGreaterThan(0);
    expect([...codes.keys()].filter((code) => code >= 500)).toEqual([]);
  }, 400_000);

  it('goes down leaving no process behind, even after the controller crashed', async () => {
    const pods = (await clusterStatus()).pods.map((p) => p.pid);
    // A pid file holds the pid and the process's start time.
    const pidFile = (name: string): number =>
      Number.parseInt(readFileSync(join(stateDir, 'run', name), 'utf8'), 10);
    const daemons = readdirSync(join(stateDir, 'run'))
      .filter((f) => f.endsWith('.pid'))
      .map(pidFile);
    expect(daemons.length).toBe(6);
    // The controller dies without draining anything: its replicas are orphans that `down` must find.
    process.kill(pidFile('cluster.pid'), 'SIGKILL');
    const output = await fraudops('down');
    expect(output).toContain('fraudops is down');
    expect(output).toMatch(/killed orphaned replica scoring-api-/);
    await sleep(200);
    expect([...pods, ...daemons].filter((pid) => isAlive(pid))).toEqual([]);
    expect(await fraudops('status')).toMatch(/no cluster controller answering/);
  });
});
