// The Job's settings: defaults shared with `fraudops attack`, and one line naming the variable for every bad
// value; the entry point turns that line into exit code 2.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProjectConfig } from '@fraudops/config';
import { describe, expect, it } from 'vitest';
import { exitCodeFor, runClusterAttack, summaryLine } from '../../src/cluster/run.ts';
import { loadClusterSettings, SettingsError } from '../../src/cluster/settings.ts';
import { ATTACK_DEFAULTS } from '../../src/ramp.ts';

const config = loadProjectConfig();
const minimal = {
  KAFKA_BROKERS: 'fraudops-kafka-bootstrap.kafka.svc:9092',
  PROMETHEUS_URL: 'http://prometheus.monitoring.svc:9090',
  ALERTMANAGER_URL: 'http://alertmanager.monitoring.svc:9093/',
  REPLAY_FILE: '/work/replay.jsonl',
};

const failure = (env: Record<string, string>): string => {
  try {
    loadClusterSettings({ ...minimal, ...env }, config);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as Error).message;
  }
  throw new Error(`no error for ${JSON.stringify(env)}`);
};

describe('the settings', () => {
  it('default to the prod ramp of `fraudops attack` and to the names in fraudops.config.json', () => {
    const s = loadClusterSettings(minimal, config);
    expect(s.ramp).toEqual({ startRate: 2000, stepRate: 2000, stepSeconds: 30, maxRate: 24_000 });
    expect(s.maxDurationSeconds).toBe(1200);
    expect(s.poisonRatio).toBe(ATTACK_DEFAULTS.poisonRatio);
    expect(s).toMatchObject({
      kafkaBrokers: ['fraudops-kafka-bootstrap.kafka.svc:9092'],
      transactionsTopic: config.stack.kafka.topics.transactions,
      deployment: 'scoring-api',
      namespace: config.cloud.namespace,
      metricsPort: 9464,
      metricsLingerSeconds: 30,
      prometheusUrl: 'http://prometheus.monitoring.svc:9090',
      // A trailing slash would double in every path.
      alertmanagerUrl: 'http://alertmanager.monitoring.svc:9093',
      replayFile: '/work/replay.jsonl',
    });
  });

  it('take every variable that is set', () => {
    const s = loadClusterSettings(
      {
        ...minimal,
        KAFKA_BROKERS: ' a:9092 , b:9093 ',
        TRANSACTIONS_TOPIC: 'tx.v2',
        START_RATE: '500',
        STEP_RATE: '0',
        STEP_SECONDS: '7.5',
        MAX_RATE: '500',
        MAX_DURATION_SECONDS: '90',
        POISON_RATIO: '0',
        DEPLOYMENT: 'scoring-api-canary',
        NAMESPACE: 'fraudops-staging',
        METRICS_PORT: '0',
        METRICS_LINGER_SECONDS: '',
      },
      config,
    );
    expect(s).toMatchObject({
      kafkaBrokers: ['a:9092', 'b:9093'],
      transactionsTopic: 'tx.v2',
      ramp: { startRate: 500, stepRate: 0, stepSeconds: 7.5, maxRate: 500 },
      maxDurationSeconds: 90,
      poisonRatio: 0,
      deployment: 'scoring-api-canary',
      namespace: 'fraudops-staging',
      metricsPort: 0,
      // Empty is unset.
      metricsLingerSeconds: 30,
    });
  });

  it.each([
    ['KAFKA_BROKERS', ''],
    ['PROMETHEUS_URL', '  '],
    ['ALERTMANAGER_URL', ''],
    ['REPLAY_FILE', ''],
  ])('require %s', (name, value) => {
    expect(failure({ [name]: value })).toMatch(new RegExp(`^${name} is required: `));
  });

  it.each([
    ['KAFKA_BROKERS', 'kafka'],
    ['KAFKA_BROKERS', 'a:9092,b'],
    ['KAFKA_BROKERS', 'http://a:9092'],
    ['TRANSACTIONS_TOPIC', 'my topic'],
    ['PROMETHEUS_URL', 'prometheus:9090'],
    ['ALERTMANAGER_URL', 'ftp://alertmanager'],
    ['START_RATE', 'fast'],
    ['START_RATE', '0'],
    ['STEP_RATE', '-1'],
    ['STEP_SECONDS', '30s'],
    ['STEP_SECONDS', '0'],
    ['MAX_RATE', 'Infinity'],
    ['MAX_DURATION_SECONDS', '20m'],
    ['POISON_RATIO', '1.5'],
    ['DEPLOYMENT', 'scoring"api'],
    ['DEPLOYMENT', 'Scoring-API'],
    ['NAMESPACE', 'fraud_ops'],
    ['NAMESPACE', 'a.b'],
    ['METRICS_PORT', '70000'],
    ['METRICS_PORT', '9464.5'],
    ['METRICS_LINGER_SECONDS', '-1'],
  ])('refuse %s=%s with one line naming it and the value', (name, value) => {
    const message = failure({ [name]: value });
    expect(message).toMatch(new RegExp(`^${name} must be `));
    expect(message).toContain(`"${value}"`);
    expect(message).not.toContain('\n');
  });

  it('refuse a ceiling below the first step, naming both', () => {
    expect(failure({ START_RATE: '3000', MAX_RATE: '2500' })).toBe(
      'MAX_RATE (2500) must be at least START_RATE (3000)',
    );
  });
});

describe('the outcome', () => {
  it('maps to the exit code the Job reports', () => {
    expect(exitCodeFor('notified')).toBe(0);
    expect(exitCodeFor('timed-out')).toBe(1);
    expect(exitCodeFor('interrupted')).toBe(143);
    expect(exitCodeFor('interrupted', 'SIGINT')).toBe(130);
  });

  it('ends the log with events, invalid events, failed requests, duration and outcome on one line', () => {
    const line = summaryLine({
      outcome: 'notified',
      startedAt: new Date('2026-01-01T00:00:00Z'),
      endedAt: new Date('2026-01-01T00:09:33.4Z'),
      totals: {
        produced: 8_063_616,
        poisoned: { 'not-json': 2016, 'missing-field': 2016, 'wrong-type': 2016, 'unknown-field': 2015 },
        failedRequests: 3,
        firstTransactionId: 1,
        lastTransactionId: 2,
      },
    });
    expect(line).toBe(
      'events produced: 8,063,616 (8,063 deliberately invalid, 3 failed produce requests), in 573 s; outcome: ' +
        'notified (Alertmanager holds ScoringApiSaturatedAtMaxReplicas as firing and delivers it to the administrator)',
    );
  });
});

describe('the entry point', () => {
  it('exits 2 with one line naming a bad variable, before producing anything', () => {
    const main = fileURLToPath(new URL('../../src/cluster/main.ts', import.meta.url));
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...minimal, START_RATE: 'lots' };
    const run = spawnSync(process.execPath, [main], { env, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^attack: START_RATE must be a number above 0 and at most 10000000, not "lots" \(settings: /,
    );
  });
});

describe('the start-up checks', () => {
  it('refuse a missing replay file, naming REPLAY_FILE', async () => {
    const settings = loadClusterSettings({ ...minimal, REPLAY_FILE: '/nonexistent/replay.jsonl' }, config);
    await expect(runClusterAttack({ settings, write: () => undefined })).rejects.toThrow(
      /^REPLAY_FILE: cannot read the replay dataset \/nonexistent\/replay\.jsonl: ENOENT/,
    );
  });

  it('name every source that does not answer, before producing anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fraudops-attack-settings-'));
    try {
      writeFileSync(join(dir, 'replay.jsonl'), '{"transaction_id":1,"customer_id":2,"tx_amount":3}\n');
      const settings = loadClusterSettings(
        {
          KAFKA_BROKERS: '127.0.0.1:9',
          PROMETHEUS_URL: 'http://127.0.0.1:9',
          ALERTMANAGER_URL: 'http://127.0.0.1:9/alertmanager',
          REPLAY_FILE: join(dir, 'replay.jsonl'),
          METRICS_PORT: '0',
        },
        config,
      );
      const written: string[] = [];
      const attempt = runClusterAttack({
        settings,
        write: (text) => written.push(text),
        startupTimeoutMs: 500,
      });
      await expect(attempt).rejects.toBeInstanceOf(SettingsError);
      const message = await attempt.catch((error: unknown) => (error as Error).message);
      expect(message).toMatch(/^not answering after \d+ s: /);
      expect(message).toContain('Prometheus at http://127.0.0.1:9 (PROMETHEUS_URL)');
      expect(message).toContain('Alertmanager at http://127.0.0.1:9/alertmanager (ALERTMANAGER_URL)');
      expect(message).toContain('Kafka at 127.0.0.1:9 (KAFKA_BROKERS)');
      expect(written).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
