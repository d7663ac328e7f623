import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProjectConfig, type ProjectConfig } from '@fraudops/config';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DAGS_BUNDLE_NAME,
  airflowEnvironment,
  airflowProcessEnv,
  dagsConnectionEnvName,
} from '../src/airflow/airflow-environment.ts';

const base = loadProjectConfig();

async function configAt(url: string): Promise<ProjectConfig> {
  const home = await mkdtemp(join(tmpdir(), 'fraudops-airflow-home-'));
  return {
    ...base,
    retraining: { ...base.retraining, dagsRepository: { ...base.retraining.dagsRepository, url } },
    stack: { ...base.stack, airflow: { ...base.stack.airflow, home } },
  };
}

describe('Airflow settings of the embedded stack', () => {
  const connection = dagsConnectionEnvName(base.retraining.dagsRepository.gitConnId);
  afterEach(() => {
    Reflect.deleteProperty(process.env, connection);
  });

  it('read the DAGs from the git bundle of the configured repository, branch and folder', async () => {
    const config = await configAt('/srv/git/dags.git');
    const env = airflowEnvironment(config, 'secret');
    const bundles = JSON.parse(env.AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST ?? '') as unknown;
    expect(bundles).toEqual([
      {
        name: DAGS_BUNDLE_NAME,
        classpath: 'airflow.providers.git.bundles.git.GitDagBundle',
        kwargs: {
          git_conn_id: config.retraining.dagsRepository.gitConnId,
          tracking_ref: config.retraining.dagsRepository.branch,
          subdir: config.retraining.dagsRepository.subdir,
        },
      },
    ]);
    expect(JSON.parse(env[connection] ?? '')).toEqual({ conn_type: 'git', host: '/srv/git/dags.git' });
  });

  it("point the tasks at the same config file and the stack's MLflow, and share one JWT secret", async () => {
    const config = await configAt('/srv/git/dags.git');
    const env = airflowEnvironment(config, 'the-secret');
    expect(env.FRAUDOPS_CONFIG).toBe(config.configFile);
    expect(env.MLFLOW_TRACKING_URI).toBe(`http://${config.stack.mlflow.host}:${config.stack.mlflow.port}`);
    expect(env.AIRFLOW__API_AUTH__JWT_SECRET).toBe('the-secret');
    expect(env.AIRFLOW__CORE__EXECUTION_API_SERVER_URL).toBe(
      `http://${config.stack.airflow.apiServer.host}:${config.stack.airflow.apiServer.port}/execution/`,
    );
    // Made once per AIRFLOW_HOME, then reused by every process.
    expect(airflowProcessEnv(config).AIRFLOW__API_AUTH__JWT_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(airflowProcessEnv(config).AIRFLOW__API_AUTH__JWT_SECRET).toBe(
      airflowProcessEnv(config).AIRFLOW__API_AUTH__JWT_SECRET,
    );
  });

  it("keep a connection the user defined, since it carries the repository's credentials", async () => {
    const config = await configAt('https://git.example.com/fraudops/dags.git');
    const mine = JSON.stringify({
      conn_type: 'git',
      host: config.retraining.dagsRepository.url,
      password: 'token',
    });
    process.env[connection] = mine;
    expect(airflowProcessEnv(config)[connection]).toBe(mine);
  });
});
