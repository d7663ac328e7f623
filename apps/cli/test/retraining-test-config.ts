// The retraining part of a private test config: the small dataset the fixtures simulated (the DAG reuses
// its cache), two fast candidates, and MLflow, Airflow and the DAG repository under the test's own state
// folder on free ports. Shared by the stack and Airflow end-to-end tests.
import { dirname, join } from 'node:path';
import type { ProjectConfig } from '@fraudops/config';
import { freePort } from '@fraudops/stack';

export type RawConfig = Omit<ProjectConfig, 'root' | 'configFile'>;

export async function usePrivateRetraining(
  raw: RawConfig,
  stateDir: string,
  replayFile: string,
  mlflowPort?: number,
): Promise<void> {
  raw.data = { dir: dirname(replayFile), replayFile };
  raw.retraining = {
    ...raw.retraining,
    preset: 'small',
    candidates: ['logistic_regression', 'decision_tree'],
    workDir: join(stateDir, 'retraining'),
    dagsRepository: { ...raw.retraining.dagsRepository, url: join(stateDir, 'dags.git') },
  };
  raw.stack.mlflow = {
    ...raw.stack.mlflow,
    port: mlflowPort ?? (await freePort()),
    backendStoreFile: join(stateDir, 'mlflow', 'mlflow.db'),
    artifactsDir: join(stateDir, 'mlflow', 'artifacts'),
  };
  raw.stack.airflow = {
    home: join(stateDir, 'airflow'),
    apiServer: { host: '127.0.0.1', port: await freePort() },
  };
}
