// A real alert, end to end: a real Prometheus evaluates a rule that fires at once, a real Alertmanager
// (this project's rendered config, fast timings) routes it to the administrator receiver, and the real
// alert-receiver records it; and one incident on two replicas reaches it as one notification (the routing's
// group_by has no `pod`). Everything on free loopback ports, in a temporary folder, stopped afterwards.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { freePort, waitForHttpOk } from '@fraudops/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAlertmanagerConfig } from '../src/alertmanager-config.ts';
import { applyRulesProfile } from '../src/rules-profile.ts';
import { monitoringDir, ruleFiles } from '../src/rule-files.ts';

const receiverScript = join(monitoringDir, '..', 'apps', 'alert-receiver', 'src', 'server.ts');
const dir = mkdtempSync(join(tmpdir(), 'fraudops-alerting-e2e-'));
const children: { name: string; child: ChildProcess; output: string[] }[] = [];

function start(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): ChildProcess {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  children.push({ name, child, output });
  return child;
}

/** The last lines each process printed, for a failure message. */
function logs(): string {
  return children
    .map(({ name, output }) => `--- ${name}\n${output.join('').split('\n').slice(-15).join('\n')}`)
    .join('\n');
}

async function stopAll(): Promise<void> {
  await Promise.all(
    children.map(async ({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

const ports = { prometheus: 0, alertmanager: 0, receiver: 0 };
const INCIDENT_ALERT = 'FraudopsEndToEndIncident';

beforeAll(async () => {
  ports.prometheus = await freePort();
  ports.alertmanager = await freePort();
  ports.receiver = await freePort();
  const alive = (child: ChildProcess) => () => child.exitCode === null;

  const receiver = start('alert-receiver', process.execPath, [receiverScript], {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(ports.receiver),
    NOTIFICATIONS_FILE: join(dir, 'notifications.jsonl'),
  });
  await waitForHttpOk(`http://127.0.0.1:${ports.receiver}/health`, {
    timeoutMs: 15_000,
    stillRunning: alive(receiver),
  });

  writeFileSync(
    join(dir, 'alertmanager.yml'),
    renderAlertmanagerConfig({ profile: 'fast', webhookUrl: `http://127.0.0.1:${ports.receiver}/alerts` }),
  );
  const alertmanager = start('alertmanager', 'prometheus-alertmanager', [
    `--config.file=${join(dir, 'alertmanager.yml')}`,
    `--storage.path=${join(dir, 'alertmanager-data')}`,
    `--web.listen-address=127.0.0.1:${ports.alertmanager}`,
    '--cluster.listen-address=',
  ]);
  await waitForHttpOk(`http://127.0.0.1:${ports.alertmanager}/-/ready`, {
    timeoutMs: 20_000,
    stillRunning: alive(alertmanager),
  });

  // The project's rule files (fast profile) load beside the test rule: they must load in a real Prometheus.
  const projectRules = ruleFiles().map((file) => {
    const path = join(dir, `fast-${basename(file)}`);
    writeFileSync(path, applyRulesProfile(readFileSync(file, 'utf8'), 'fast'));
    return path;
  });
  writeFileSync(
    join(dir, 'e2e.rules.yml'),
    stringify({
      groups: [
        {
          name: 'e2e',
          rules: [
            {
              alert: 'FraudopsEndToEndAlert',
              expr: 'vector(1)',
              for: '0s',
              labels: { severity: 'critical', namespace: 'fraudops', pod: 'scoring-api-e2e' },
              annotations: { summary: 'An alert that fires at once, to test the notification path.' },
            },
            // One incident on two replicas: two alerts that differ only in `pod`, from one evaluation.
            {
              alert: INCIDENT_ALERT,
              expr: 'label_replace(vector(1), "pod", "scoring-api-a", "", "") or label_replace(vector(1), "pod", "scoring-api-b", "", "")',
              for: '0s',
              labels: { severity: 'critical', namespace: 'fraudops' },
              annotations: { summary: 'Two replicas in one incident, to test the grouping.' },
            },
          ],
        },
      ],
    }),
  );
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(dir, 'e2e.rules.yml'), ...projectRules],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${ports.alertmanager}`] }] }] },
      scrape_configs: [],
    }),
  );
  const prometheus = start('prometheus', 'prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
    `--web.listen-address=127.0.0.1:${ports.prometheus}`,
    // The first evaluation can beat the notifier's discovery of Alertmanager; that send is dropped and the
    // next comes only after the resend delay (1m by default).
    '--rules.alert.resend-delay=1s',
  ]);
  await waitForHttpOk(`http://127.0.0.1:${ports.prometheus}/-/ready`, {
    timeoutMs: 30_000,
    stillRunning: alive(prometheus),
  });
}, 90_000);

afterAll(async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

interface Recorded {
  status: string;
  receiver: string;
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
}

describe('alerting end to end', () => {
  it('delivers a firing critical alert from Prometheus through Alertmanager to the receiver', async () => {
    const deadline = Date.now() + 45_000;
    let found: Recorded | undefined;
    while (found === undefined && Date.now() < deadline) {
      const response = await fetch(`http://127.0.0.1:${ports.receiver}/notifications`);
      const recorded = (await response.json()) as Recorded[];
      found = recorded.find((n) => n.alerts.some((a) => a.labels.alertname === 'FraudopsEndToEndAlert'));
      if (found === undefined) await sleep(250);
    }
    expect(found, `no notification reached the receiver within 45 s\n${logs()}`).toBeDefined();
    expect(found).toMatchObject({ status: 'firing', receiver: 'administrator' });
    expect(found?.alerts[0]).toMatchObject({
      status: 'firing',
      labels: {
        alertname: 'FraudopsEndToEndAlert',
        severity: 'critical',
        namespace: 'fraudops',
        pod: 'scoring-api-e2e',
      },
      annotations: { summary: 'An alert that fires at once, to test the notification path.' },
    });
  }, 60_000);

  it('pages once for one incident on two replicas: one notification holding both alerts', async () => {
    const notificationsOf = async (): Promise<Recorded[]> => {
      const response = await fetch(`http://127.0.0.1:${ports.receiver}/notifications`);
      const recorded = (await response.json()) as Recorded[];
      return recorded.filter((n) => n.alerts.some((a) => a.labels.alertname === INCIDENT_ALERT));
    };
    const deadline = Date.now() + 45_000;
    while ((await notificationsOf()).length === 0 && Date.now() < deadline) await sleep(250);
    // Grouped per pod, the two alerts would form two groups from the same POST, flushed after the same
    // group_wait: the second notification would follow the first within milliseconds. 2 s leaves room.
    await sleep(2000);
    const pages = await notificationsOf();
    expect(pages, `notifications of ${INCIDENT_ALERT}\n${logs()}`).toHaveLength(1);
    expect(pages[0]).toMatchObject({ status: 'firing', receiver: 'administrator' });
    expect(pages[0]?.alerts.map((a) => a.labels.pod).sort()).toEqual(['scoring-api-a', 'scoring-api-b']);
  }, 60_000);

  it('loads the project rule files (fast profile) in the real Prometheus, all healthy', async () => {
    const response = await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/rules`);
    const body = (await response.json()) as {
      data: { groups: { name: string; rules: { health: string; name: string; lastError?: string }[] }[] };
    };
    const groups = body.data.groups.map((g) => g.name).sort();
    expect(groups).toEqual(['e2e', 'gateway', 'model-quality', 'scoring-api', 'stream-scorer']);
    const unhealthy = body.data.groups.flatMap((g) => g.rules).filter((r) => r.health === 'err');
    expect(unhealthy, JSON.stringify(unhealthy)).toEqual([]);
  });
});
