// The Job's process end to end against real processes: `node apps/attack/src/cluster/main.ts` ramps a small
// stream into a real Kafka broker while a real Prometheus evaluates the project's rule file (fast profile) over
// the embedded exporter's Kubernetes series, and a real Alertmanager receives the alert (support/cluster-double.ts).
// Skipped where Kafka's jars (scripts/setup) or the Debian prometheus / prometheus-alertmanager are missing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '@fraudops/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SATURATION_ALERT } from '../../src/watcher.ts';
import { kafkaAvailable, startClusterDouble, type ClusterDouble } from './support/cluster-double.ts';

const onPath = (binary: string): boolean => spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;
const available = kafkaAvailable() && onPath('prometheus') && onPath('prometheus-alertmanager');
const main = fileURLToPath(new URL('../../src/cluster/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'fraudops-cluster-attack-replay-'));
const replayFile = join(dir, 'replay.jsonl');
let double: ClusterDouble | undefined;

beforeAll(async () => {
  if (!available) return;
  // Two replayed transactions (features and labels, as `fraudops replay` writes them), looped by the attack.
  const row = (id: number, customer: number): string =>
    JSON.stringify({
      transaction_id: id,
      tx_datetime: '2018-08-08 00:00:18',
      customer_id: customer,
      terminal_id: 6772,
      tx_amount: 29.02,
      tx_during_weekend: 0,
      tx_during_night: 1,
      tx_fraud: 0,
      tx_fraud_scenario: 0,
    });
  writeFileSync(replayFile, `${row(1, 3344)}\n${row(2, 17)}\n`);
  double = await startClusterDouble({ kafka: true });
}, 120_000);

afterAll(async () => {
  await double?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

interface Attack {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  waitFor: (pattern: RegExp, timeoutMs: number) => Promise<void>;
  metricsPort: number;
}

async function startAttack(d: ClusterDouble, env: Record<string, string>): Promise<Attack> {
  const metricsPort = await freePort();
  const child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH,
      KAFKA_BROKERS: d.kafkaBootstrap ?? '',
      PROMETHEUS_URL: d.prometheusUrl,
      ALERTMANAGER_URL: d.alertmanagerUrl,
      REPLAY_FILE: replayFile,
      START_RATE: '200',
      STEP_RATE: '200',
      STEP_SECONDS: '5',
      MAX_RATE: '1000',
      METRICS_PORT: String(metricsPort),
      METRICS_LINGER_SECONDS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const waitFor = async (pattern: RegExp, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(output)) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`no ${String(pattern)} in the attack's output:\n${output}\n${d.logs()}`);
      await sleep(100);
    }
  };
  return { child, output: () => output, exited, waitFor, metricsPort };
}

async function exitWithin(attack: Attack, ms: number): Promise<number | null> {
  const timer = setTimeout(() => attack.child.kill('SIGKILL'), ms);
  const code = await attack.exited;
  clearTimeout(timer);
  return code;
}

const produced = (output: string): number =>
  Number((/events produced: ([\d,]+)/.exec(output)?.[1] ?? 'NaN').replaceAll(',', ''));

describe.skipIf(!available)('the attack Job against real Kafka, Prometheus and Alertmanager', () => {
  it('stops producing on SIGTERM and exits 143 with the summary', async () => {
    const d = double as ClusterDouble;
    const attack = await startAttack(d, { MAX_DURATION_SECONDS: '300' });
    await attack.waitFor(/^t\+00:00 /m, 60_000);
    // The attack's own /metrics, with events acknowledged by the broker.
    let metrics = '';
    const deadline = Date.now() + 20_000;
    while (!/^attack_events_produced_total [1-9]/m.test(metrics) && Date.now() < deadline) {
      await sleep(250);
      metrics = await (await fetch(`http://127.0.0.1:${attack.metricsPort}/metrics`)).text();
    }
    expect(metrics).toMatch(/^attack_events_produced_total [1-9]/m);
    expect(metrics).toMatch(/^attack_target_events_per_second 200$/m);
    attack.child.kill('SIGTERM');
    expect(await exitWithin(attack, 20_000), attack.output()).toBe(143);
    const output = attack.output();
    expect(output).toContain('SIGTERM: stopping the attack');
    expect(output).toContain('stopped by SIGTERM before the notification');
    expect(output).toMatch(/outcome: interrupted \(stopped by a signal\)\n$/);
    expect(produced(output)).toBeGreaterThan(0);
  }, 90_000);

  it('ramps into Kafka until Alertmanager holds the alert as firing, and exits 0', async () => {
    const d = double as ClusterDouble;
    const attack = await startAttack(d, { MAX_DURATION_SECONDS: '150' });
    await attack.waitFor(/^attack: /m, 60_000);
    // The load arrives: two replicas above 80% of their request, at the HPA's maximum of 6.
    d.setCpuUtilization([1.3, 0.9, 0.6, 0.6, 0.6, 0.6]);
    const code = await exitWithin(attack, 170_000);
    const output = attack.output();
    expect(code, output).toBe(0);
    expect(output).toMatch(
      /^t\+\d\d:\d\d target [\d,]+\/s sent [\d,]+\/s lag 552 replicas 6 cpu \[.*\] alert firing notified$/m,
    );
    expect(output).toContain(`Alertmanager holds ${SATURATION_ALERT} as active and firing`);
    // One alert for the namespace; its description names the hottest replica.
    expect(output).toMatch(/\[critical\] ScoringApiSaturatedAtMaxReplicas fraudops\n/);
    expect(output).toMatch(/\(scoring-api-7d9c5b6f4-2xk8p now\)/);
    expect(output).toMatch(/receiver "administrator"/);
    expect(output).toMatch(/outcome: notified \(Alertmanager holds .* delivers it to the administrator\)\n$/);
    expect(produced(output)).toBeGreaterThan(0);
    // And Alertmanager does deliver it by itself (here to a webhook in place of Telegram and e-mail).
    const deadline = Date.now() + 30_000;
    const delivered = (): boolean =>
      d
        .webhookBodies()
        .some((b) => b.alerts.some((a) => a.status === 'firing' && a.labels.alertname === SATURATION_ALERT));
    while (!delivered() && Date.now() < deadline) await sleep(250);
    expect(delivered(), d.logs()).toBe(true);
  }, 200_000);
});
