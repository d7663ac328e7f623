// A whole embedded stack on private ports and state, as the end-to-end tests run it through the CLI: every
// port free, every file under one temporary folder, the small dataset and two fast candidates for retraining.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadProjectConfig, type ProjectConfig } from '@fraudops/config';
import { dashboards, panelQueries, QUERY_VARIABLES, type PanelQuery } from '@fraudops/monitoring';
import { freePort } from '@fraudops/stack';
import { usePrivateRetraining, type RawConfig } from './retraining-test-config.ts';

const run = promisify(execFile);
export const cli = fileURLToPath(new URL('../bin/fraudops.js', import.meta.url));

export interface PrivateStack {
  stateDir: string;
  configFile: string;
  /** The environment that points the CLI at the private config. */
  env: NodeJS.ProcessEnv;
  config: ProjectConfig;
  ports: {
    gateway: number;
    prometheus: number;
    alertmanager: number;
    receiver: number;
    cluster: number;
    mlflow: number;
  };
  /** Runs the CLI on the private stack; resolves with stdout and stderr together. */
  fraudops: (...args: string[]) => Promise<string>;
}

/**
 * Writes the private config. `adjust` changes what a test needs on top (a world speed, say) before it is
 * written. The fixtures' model directory and replay file come from vitest's global set-up.
 */
export async function privateStack(
  name: string,
  fixtures: { modelDir: string; replayFile: string },
  adjust: (raw: RawConfig, stateDir: string) => void = () => undefined,
): Promise<PrivateStack> {
  const project = loadProjectConfig();
  const stateDir = await mkdtemp(join(tmpdir(), `fraudops-${name}-`));
  const ports = {
    gateway: await freePort(),
    prometheus: await freePort(),
    alertmanager: await freePort(),
    receiver: await freePort(),
    cluster: await freePort(),
    mlflow: await freePort(),
  };
  const raw = JSON.parse(readFileSync(project.configFile, 'utf8')) as RawConfig;
  raw.stateDir = stateDir;
  raw.model.modelsDir = join(fixtures.modelDir, '..');
  await usePrivateRetraining(raw, stateDir, fixtures.replayFile, ports.mlflow);
  raw.run = { pidsDir: join(stateDir, 'run'), logsDir: join(stateDir, 'logs') };
  raw.stack.kafka = { ...raw.stack.kafka, port: await freePort(), controllerPort: await freePort() };
  raw.stack.streamScorer.port = await freePort();
  raw.stack.attack.port = await freePort();
  raw.stack.gateway.port = ports.gateway;
  raw.stack.prometheus.port = ports.prometheus;
  raw.stack.alertmanager.port = ports.alertmanager;
  raw.stack.receiver.port = ports.receiver;
  raw.stack.receiver.notificationsFile = join(stateDir, 'notifications.jsonl');
  raw.stack.cluster.port = ports.cluster;
  // Below Linux's ephemeral range (32768+), so no outgoing connection can hold a replica's port.
  raw.stack.replicas.basePort = 20_000 + Math.floor(Math.random() * 10_000);
  raw.world = { ...raw.world, port: await freePort(), stateFile: join(stateDir, 'world', 'state.json') };
  raw.lake = {
    ...raw.lake,
    catalog: {
      ...raw.lake.catalog,
      uri: `sqlite:///${join(stateDir, 'lake', 'catalog.db')}`,
      warehouse: join(stateDir, 'lake', 'warehouse'),
    },
    metrics: { ...raw.lake.metrics, port: await freePort() },
  };
  raw.quality = { ...raw.quality, metrics: { ...raw.quality.metrics, port: await freePort() } };
  raw.retraining.alertTrigger = { ...raw.retraining.alertTrigger, port: await freePort() };
  adjust(raw, stateDir);
  const configFile = join(stateDir, 'fraudops.config.json');
  writeFileSync(configFile, JSON.stringify(raw, null, 2));
  const env = { ...process.env, FRAUDOPS_CONFIG: configFile };
  const fraudops = async (...args: string[]): Promise<string> => {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env, timeout: 600_000 });
    return `${stdout}${stderr}`;
  };
  return { stateDir, configFile, env, config: loadProjectConfig(env), ports, fraudops };
}

/** What `lake-check` prints (the fields the tests read). */
export interface LakeCheck {
  scored_transactions: { rows: number; duplicate_ids: number };
  labels: { rows: number; duplicate_ids: number; not_yet_due: number };
}

/** `lake-check` on the private lake; with `dueBy`, labels known after that simulated time are counted. */
export async function lakeCheck(stack: PrivateStack, dueBy?: string): Promise<LakeCheck> {
  // lake-check exits 1 on an id landed twice or a label before its time, and still prints what it found.
  const { stdout } = await run(
    stack.config.ml.python,
    [
      '-m',
      'fraudops_ml',
      'lake-check',
      '--config',
      stack.configFile,
      ...(dueBy === undefined ? [] : ['--labels-due-by', dueBy]),
    ],
    { env: stack.env, cwd: stack.config.root },
  ).catch((error: unknown) => {
    const { stdout: printed, code } = error as { stdout?: string; code?: number };
    if (code === 1 && printed) return { stdout: printed };
    throw error;
  });
  return JSON.parse(stdout) as LakeCheck;
}

/** One sample of the quality component's /metrics or of `quality-check`. */
export interface QualitySample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (the quality component's /metrics). */
export function parseExposition(text: string): QualitySample[] {
  return text.split('\n').flatMap((line) => {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || line.startsWith('#')) return [];
    const labels = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((p) => [p[1] ?? '', p[2] ?? '']),
    );
    return [{ name: match[1] ?? '', labels, value: Number(match[3]) }];
  });
}

/** The quality component's /metrics on the private stack. */
export async function qualityMetrics(stack: PrivateStack): Promise<QualitySample[]> {
  const { host, port } = stack.config.quality.metrics;
  const response = await fetch(`http://${host}:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`quality /metrics: HTTP ${response.status}`);
  return parseExposition(await response.text());
}

/** `quality-check`: every live quality figure recomputed offline from the private lake at `watermark`. */
export async function qualityCheck(stack: PrivateStack, watermark: string): Promise<QualitySample[]> {
  const { stdout } = await run(
    stack.config.ml.python,
    ['-m', 'fraudops_ml', 'quality-check', '--config', stack.configFile, '--watermark', watermark],
    { env: stack.env, cwd: stack.config.root, maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as QualitySample[];
}

/** The lake sink's labels' watermark (simulated Unix seconds), from its /metrics. */
export async function lakeWatermarkSeconds(stack: PrivateStack): Promise<number | undefined> {
  const { host, port } = stack.config.lake.metrics;
  const response = await fetch(`http://${host}:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
  return parseExposition(await response.text()).find(
    (s) => s.name === 'fraudops_lake_labels_watermark_seconds',
  )?.value;
}

/**
 * Runs the dashboards' panel queries that `keep` selects against a Prometheus, as Grafana would (short windows
 * for a test's few minutes of data). Returns how many ran and those that failed or answered nothing.
 */
export async function unansweredPanels(
  prometheusPort: number,
  keep: (query: PanelQuery) => boolean,
): Promise<{ checked: number; unanswered: string[] }> {
  const queries = panelQueries(dashboards(), {
    ...QUERY_VARIABLES,
    __rate_interval: '20s',
    __range: '2m',
  }).filter(keep);
  const unanswered: string[] = [];
  for (const query of queries) {
    const url = `http://127.0.0.1:${prometheusPort}/api/v1/query?query=${encodeURIComponent(query.expr)}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const answer = (await response.json()) as { status: string; data?: { result: unknown[] } };
    if (answer.status !== 'success' || (answer.data?.result.length ?? 0) === 0)
      unanswered.push(
        `${query.dashboard} / ${query.panel} [${query.refId}] (${answer.status}): ${query.expr}`,
      );
  }
  return { checked: queries.length, unanswered };
}

export interface DrainSample {
  atSeconds: number;
  lag: number;
  scored: number;
  retries: number;
}

/** The stream scorer's own view (not Prometheus's last scrape): its group's lag, what it scored and retried. */
async function scorerSample(stack: PrivateStack, startedAt: number): Promise<DrainSample> {
  const port = String(stack.config.stack.streamScorer.port);
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const samples = parseExposition(await response.text());
  const sum = (name: string): number =>
    samples.filter((s) => s.name === name).reduce((total, s) => total + s.value, 0);
  return {
    atSeconds: Math.round((Date.now() - startedAt) / 1000),
    lag: sum('kafka_consumergroup_lag'),
    scored: sum('stream_scorer_events_scored_total'),
    retries: sum('stream_scorer_scoring_retries_total'),
  };
}

/**
 * Reads `read` every `pollMs` until `done` says so. A slow machine may take long; a stalled process may not: it
 * fails when no reading `progressed` past the one before for `stallSeconds`, with the readings and `explain`.
 */
export async function untilDone<T>(
  read: () => Promise<T>,
  options: {
    done: (reading: T) => boolean;
    progressed: (reading: T, before: T) => boolean;
    explain: () => string;
    stallSeconds?: number;
    pollMs?: number;
  },
): Promise<T[]> {
  const { stallSeconds = 120, pollMs = 2000 } = options;
  const readings: T[] = [];
  let progressAt = Date.now();
  for (;;) {
    const reading = await read().catch(() => null);
    if (reading !== null) {
      const before = readings.at(-1);
      if (before === undefined || options.progressed(reading, before)) progressAt = Date.now();
      readings.push(reading);
      if (options.done(reading)) return readings;
    }
    if (Date.now() - progressAt > stallSeconds * 1000)
      throw new Error(
        `no progress for ${String(stallSeconds)} s; the last readings ` +
          `${JSON.stringify(readings.slice(-20))}\n${options.explain()}`,
      );
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

const logTail = (stack: PrivateStack, component: string, lines = 40): string =>
  `the end of ${component}.log:\n` +
  readFileSync(join(stack.config.run.logsDir, `${component}.log`), 'utf8')
    .split('\n')
    .slice(-lines)
    .join('\n');

/** Waits until the stream scorer has no lag left, failing only when it stops making progress. */
export function waitForScorerDrained(stack: PrivateStack): Promise<DrainSample[]> {
  const startedAt = Date.now();
  return untilDone(() => scorerSample(stack, startedAt), {
    done: (sample) => sample.lag === 0,
    progressed: (sample, before) => sample.lag < before.lag || sample.scored > before.scored,
    explain: () => logTail(stack, 'stream-scorer'),
  });
}

/** Rows the lake sink has written per table, from its own counters (cheap to poll). */
export async function lakeRowsWritten(stack: PrivateStack, tables: string[]): Promise<number[]> {
  const { host, port } = stack.config.lake.metrics;
  const response = await fetch(`http://${host}:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const samples = parseExposition(await response.text());
  return tables.map(
    (table) =>
      samples.find((s) => s.name === 'fraudops_lake_rows_written_total' && s.labels.table === table)?.value ??
      0,
  );
}

/** Waits until the lake sink has written `expected` rows per table, failing only when it stops making progress. */
export function waitForLakeRows(
  stack: PrivateStack,
  tables: string[],
  expected: number[],
): Promise<number[][]> {
  return untilDone(() => lakeRowsWritten(stack, tables), {
    done: (rows) => rows.every((n, i) => n >= (expected[i] ?? Number.NaN)),
    progressed: (rows, before) => rows.some((n, i) => n > (before[i] ?? 0)),
    explain: () => `expected ${JSON.stringify(expected)}; ${logTail(stack, 'lake-sink')}`,
  });
}
