// Airflow as `fraudops up --airflow` runs it: the real api-server, scheduler and dag-processor read the DAG
// from the local bare repository, and the scheduler starts the weekly run by itself, which registers the
// first champion in a real MLflow. Private ports and state; the small preset and two fast candidates.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProjectConfig, type ProjectConfig } from '@fraudops/config';
import { AIRFLOW_DAEMONS, airflowComponents, mlflowComponent, stopDaemon } from '@fraudops/stack';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startComponent } from '../src/start-component.ts';
import { usePrivateRetraining } from './retraining-test-config.ts';

let config: ProjectConfig;

beforeAll(async () => {
  const stateDir = await mkdtemp(join(tmpdir(), 'fraudops-airflow-e2e-'));
  const project = loadProjectConfig();
  const raw = JSON.parse(readFileSync(project.configFile, 'utf8')) as Omit<
    ProjectConfig,
    'root' | 'configFile'
  >;
  raw.stateDir = stateDir;
  raw.run = { pidsDir: join(stateDir, 'run'), logsDir: join(stateDir, 'logs') };
  await usePrivateRetraining(raw, stateDir, inject('replayFile'));
  const file = join(stateDir, 'fraudops.config.json');
  writeFileSync(file, JSON.stringify(raw, null, 2));
  config = loadProjectConfig({ ...process.env, FRAUDOPS_CONFIG: file });
  await startComponent(config, mlflowComponent(config));
  for (const component of airflowComponents(config)) await startComponent(config, component);
}, 300_000);

afterAll(async () => {
  for (const name of [...AIRFLOW_DAEMONS].reverse()) await stopDaemon(config.run, name);
  await stopDaemon(config.run, 'mlflow');
}, 120_000);

const api = async <T>(path: string): Promise<T> => {
  const { host, port } = config.stack.airflow.apiServer;
  const response = await fetch(`http://${host}:${port}/api/v2${path}`, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
};

describe('Airflow in the embedded stack (up --airflow)', () => {
  it('parses the DAG from the commit of the bare repository, not from the working tree', async () => {
    const { dagId, dagsRepository } = config.retraining;
    const head = execFileSync('git', ['--git-dir', dagsRepository.url, 'rev-parse', dagsRepository.branch], {
      encoding: 'utf8',
    }).trim();
    await expect
      .poll(
        async () =>
          api<{ bundle_name: string; bundle_version: string; fileloc: string; is_paused: boolean }>(
            `/dags/${dagId}`,
          ).catch(() => null),
        { timeout: 120_000, interval: 2000 },
      )
      .toMatchObject({ bundle_name: 'fraudops-dags', bundle_version: head, is_paused: false });
    const dag = await api<{ fileloc: string }>(`/dags/${dagId}`);
    expect(dag.fileloc.startsWith(join(config.stack.airflow.home, 'dag_bundles'))).toBe(true);
  }, 180_000);

  it('runs the DAG on its schedule by itself, and the run registers the first champion', async () => {
    const { dagId, championAlias } = config.retraining;
    await expect
      .poll(
        async () => {
          const runs = await api<{ dag_runs: { run_type: string; state: string }[] }>(
            `/dags/${dagId}/dagRuns`,
          );
          const scheduled = runs.dag_runs.filter((r) => r.run_type === 'scheduled');
          if (scheduled.some((r) => r.state === 'failed')) throw new Error('the scheduled run failed');
          return scheduled.map((r) => r.state);
        },
        { timeout: 400_000, interval: 5000 },
      )
      .toContain('success');
    const { host, port } = config.stack.mlflow;
    const response = await fetch(
      `http://${host}:${port}/api/2.0/mlflow/registered-models/alias?name=${config.model.name}&alias=${championAlias}`,
    );
    const body = (await response.json()) as {
      model_version: { version: string; tags?: { key: string; value: string }[] };
    };
    expect(body.model_version.version).toBe('1');
    expect(body.model_version.tags).toContainEqual({ key: 'promotion_decision', value: 'promoted' });
  }, 420_000);
});
