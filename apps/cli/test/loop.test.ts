// The world, the lake and retraining in simulated time, end to end through the CLI on private ports:
// `up --profile fast --airflow` runs the world (the small dataset continued, a simulated day every 5 s); the
// stream scorer scores it, the lake sink lands scores and labels and, each time a simulated week of labels has
// landed, updates the Airflow asset the retraining DAG is scheduled on; the scheduler then retrains as of that
// week. Two successive weeks read different data (their digests in MLflow) and each candidate is compared with
// its champion on the same rows. `down` leaves no process behind.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QUALITY_SERIES } from '@fraudops/monitoring';
import { isAlive, readWorldProgress, stopDaemon } from '@fraudops/stack';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  lakeCheck,
  lakeWatermarkSeconds,
  privateStack,
  qualityCheck,
  qualityMetrics,
  unansweredPanels,
  type PrivateStack,
  type QualitySample,
} from './private-stack.ts';

let stack: PrivateStack;

beforeAll(async () => {
  stack = await privateStack(
    'loop-e2e',
    { modelDir: inject('modelDir'), replayFile: inject('replayFile') },
    (raw) => {
      // 5 s per simulated day: a week of labels every 35 s, a little slower than one retraining run of the
      // small dataset's two candidates; runs do not pile up (asset events that arrive meanwhile are consumed
      // together by the next run, which takes the newest week).
      raw.world.fastSpeed = 17_280;
    },
  );
});

afterAll(async () => {
  await stack.fraudops('down').catch(() => undefined);
});

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface DagRun {
  dag_run_id: string;
  run_type: string;
  state: string;
}

const dagRuns = async (): Promise<DagRun[]> => {
  const { host, port } = stack.config.stack.airflow.apiServer;
  const { dag_runs } = await json<{ dag_runs: DagRun[] }>(
    `http://${host}:${port}/api/v2/dags/${stack.config.retraining.dagId}/dagRuns?limit=100`,
  );
  return dag_runs;
};

interface MlflowRun {
  info: { run_id: string };
  data: { tags?: { key: string; value: string }[]; params?: { key: string; value: string }[] };
}

/** Every run of the retraining experiment, with its tags and params as maps. */
async function retrainingRuns(): Promise<{ tags: Map<string, string>; params: Map<string, string> }[]> {
  const mlflow = `http://127.0.0.1:${stack.ports.mlflow}/api/2.0/mlflow`;
  const { experiment } = await json<{ experiment: { experiment_id: string } }>(
    `${mlflow}/experiments/get-by-name?experiment_name=${encodeURIComponent(stack.config.retraining.experiment)}`,
  );
  const { runs = [] } = await json<{ runs?: MlflowRun[] }>(`${mlflow}/runs/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ experiment_ids: [experiment.experiment_id], max_results: 1000 }),
  });
  return runs.map((run) => ({
    tags: new Map((run.data.tags ?? []).map((t) => [t.key, t.value])),
    params: new Map((run.data.params ?? []).map((p) => [p.key, p.value])),
  }));
}

describe('the world, the lake and retraining in simulated time (fast profile, with Airflow)', () => {
  it('comes up with the world, the lake sink and Airflow', async () => {
    const output = await stack.fraudops('up', '--profile', 'fast', '--airflow');
    for (const component of ['lake-sink', 'airflow-scheduler', 'world'])
      expect(output).toContain(`==> ${component}:`);
  }, 600_000);

  it('retrains on the lake asset as of two successive simulated weeks: different data, each gated on the same rows as its champion', async () => {
    // A simulated week's run, once it has compared its candidate with the champion. The first week (as of the
    // world's eighth day) has its window still in the historic dataset (no lake rows): not counted.
    const gatedWeeks = async () => {
      const failed = (await dagRuns()).filter(
        (r) => r.run_type === 'asset_triggered' && r.state === 'failed',
      );
      if (failed.length > 0) throw new Error(`asset-triggered runs failed: ${JSON.stringify(failed)}`);
      // The chosen candidate's run of each simulated week carries the gate's two digests and the week's data.
      return (await retrainingRuns())
        .filter(
          (r) =>
            r.tags.has('promotion_rows_digest') &&
            r.tags.get('as_of')?.startsWith('2018-') === true &&
            Number(r.params.get('lake_rows')) > 0,
        )
        .map((r) => ({ asOf: r.tags.get('as_of'), dataHash: r.params.get('data_hash'), gate: r.tags }));
    };
    await expect
      .poll(async () => (await gatedWeeks()).length, { timeout: 720_000, interval: 5000 })
      .toBeGreaterThanOrEqual(2);
    const weeks = await gatedWeeks();
    console.info(
      `retraining as of simulated weeks: ${JSON.stringify(weeks.map((w) => [w.asOf, w.dataHash]))}`,
    );
    expect(new Set(weeks.map((w) => w.asOf)).size).toBe(weeks.length);
    expect(new Set(weeks.map((w) => w.dataHash)).size).toBe(weeks.length);
    for (const { gate } of weeks) {
      expect(gate.get('promotion_champion_rows_digest')).toBe(gate.get('promotion_rows_digest'));
    }
    expect(
      (await dagRuns()).filter((r) => r.run_type === 'asset_triggered' && r.state === 'success').length,
    ).toBeGreaterThanOrEqual(2);
  }, 800_000);

  it('the lake holds each scored transaction once and no label before its time', async () => {
    // The world stops first: its state file then says exactly how far it published.
    expect(await stopDaemon(stack.config.run, 'world')).toBe(true);
    const world = await readWorldProgress(stack.config);
    expect(world?.worldDay).toBeGreaterThanOrEqual(21);
    const lake = await lakeCheck(stack, world?.publishedThrough);
    expect(lake.scored_transactions.rows).toBeGreaterThan(0);
    expect(lake.scored_transactions.duplicate_ids).toBe(0);
    expect(lake.labels.duplicate_ids).toBe(0);
    expect(lake.labels.not_yet_due).toBe(0);
  }, 120_000);

  it('exports live quality per final simulated day and version, equal to its offline recomputation from the lake', async () => {
    // The world has stopped: once the sink has landed its last labels, the quality component's watermark
    // stops moving and equals the sink's. A later cycle then shows exactly the figures of that watermark.
    const value = (samples: QualitySample[], name: string, labels: Record<string, string> = {}) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        ?.value;
    const settled = async () => {
      const sink = await lakeWatermarkSeconds(stack);
      const live = value(await qualityMetrics(stack), 'fraudops_quality_labels_watermark_seconds');
      return sink !== undefined && live === sink;
    };
    await expect.poll(settled, { timeout: 120_000, interval: 2000 }).toBe(true);
    const cycles =
      value(await qualityMetrics(stack), 'fraudops_quality_cycles_total', { outcome: 'ok' }) ?? 0;
    await expect
      .poll(
        async () =>
          value(await qualityMetrics(stack), 'fraudops_quality_cycles_total', { outcome: 'ok' }) ?? 0,
        { timeout: 60_000, interval: 1000 },
      )
      .toBeGreaterThan(cycles);
    const live = await qualityMetrics(stack);
    const watermark = new Date(
      (value(live, 'fraudops_quality_labels_watermark_seconds') ?? Number.NaN) * 1000,
    );
    const offline = await qualityCheck(stack, watermark.toISOString().slice(0, 19).replace('T', ' '));
    const key = (s: QualitySample) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;
    const names = new Set(offline.map((s) => s.name));
    const liveByKey = new Map(live.filter((s) => names.has(s.name)).map((s) => [key(s), s.value]));
    expect([...liveByKey.keys()].sort()).toEqual(offline.map(key).sort());
    for (const sample of offline)
      expect(Math.abs((liveByKey.get(key(sample)) ?? Number.NaN) - sample.value)).toBeLessThanOrEqual(1e-9);
    // The run saw final days (every label known) of the champion, with money on both sides, and drift.
    const days = offline.filter((s) => s.name === 'fraudops_quality_card_precision_at_100');
    expect(days.length).toBeGreaterThanOrEqual(stack.config.quality.finalDays);
    expect(offline.some((s) => s.name === 'fraudops_quality_fraud_amount_caught' && s.value > 0)).toBe(true);
    expect(offline.some((s) => s.name === 'fraudops_drift_psi')).toBe(true);
    // Every dashboard panel that reads the quality component answers with data from this stack's Prometheus.
    const panels = await unansweredPanels(stack.ports.prometheus, (q) => q.expr.includes(QUALITY_SERIES));
    expect(panels.checked).toBeGreaterThanOrEqual(7);
    expect(panels.unanswered).toEqual([]);
    console.info(
      `live quality = offline on ${offline.length} figures; CP@100 per final day: ${JSON.stringify(days.map((d) => [d.labels.day, d.labels.model_version, d.value]))}`,
    );
  }, 300_000);

  it('a drift alert starts one retraining run through Airflow as of the lake watermark; while it runs, another starts nothing', async () => {
    // The world has stopped: no asset event arrives any more; wait for the runs in flight to end.
    const active = async () => (await dagRuns()).filter((r) => ['queued', 'running'].includes(r.state));
    await expect.poll(async () => (await active()).length, { timeout: 300_000, interval: 2000 }).toBe(0);
    const { host, port } = stack.config.retraining.alertTrigger;
    const notify = async (alertname: string) => {
      const response = await fetch(`http://${host}:${port}/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          version: '4',
          status: 'firing',
          receiver: 'retraining',
          alerts: [
            { status: 'firing', labels: { alertname, input: 'tx_amount', retrain: 'true' }, annotations: {} },
          ],
        }),
        signal: AbortSignal.timeout(30_000),
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { outcome: string }).outcome;
    };
    expect(await notify('FraudModelInputDrift')).toBe('started');
    expect(await notify('FraudModelScoreDrift')).toBe('in-progress');
    const alertRuns = async () => (await dagRuns()).filter((r) => r.dag_run_id.startsWith('alert__'));
    await expect
      .poll(async () => (await alertRuns()).map((r) => r.state), { timeout: 300_000, interval: 3000 })
      .toEqual(['success']);
    // The run trained as of the lake's labels' watermark, which the sink reports (simulated time).
    const [run] = await alertRuns();
    const sink = await lakeWatermarkSeconds(stack);
    const watermark = new Date((sink ?? Number.NaN) * 1000).toISOString().slice(0, 19);
    expect(run?.dag_run_id).toBe(`alert__${watermark}`);
    // The same data again: nothing new.
    expect(await notify('FraudModelInputDrift')).toBe('duplicate');
  }, 700_000);

  it('goes down leaving no process behind', async () => {
    const runDir = stack.config.run.pidsDir;
    const pids = readdirSync(runDir)
      .filter((f) => f.endsWith('.pid'))
      .map((f) => Number.parseInt(readFileSync(join(runDir, f), 'utf8'), 10));
    expect(pids.length).toBeGreaterThan(10);
    const output = await stack.fraudops('down');
    expect(output).toContain('fraudops is down');
    expect(pids.filter(isAlive)).toEqual([]);
  }, 300_000);
});
