// The MLflow tracking server and model registry of the embedded stack: SQLite for runs and the registry,
// artifacts on disk served by the server itself (--serve-artifacts), so that the trainer, the CLI and the
// scoring replicas all need nothing but HTTP to reach them.
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ProjectConfig } from '@fraudops/config';
import type { Component } from '../components.ts';
import type { DaemonSpec } from '../daemon.ts';

export const MLFLOW_HEALTH_PATH = '/health';

/** An executable of the ml/ Python environment (mlflow, airflow). */
export function mlEnvironmentBin(config: ProjectConfig, name: string): string {
  return join(dirname(config.ml.python), name);
}

export function mlflowDaemonSpec(config: ProjectConfig): DaemonSpec {
  const { host, port, backendStoreFile, artifactsDir } = config.stack.mlflow;
  return {
    name: 'mlflow',
    command: mlEnvironmentBin(config, 'mlflow'),
    args: [
      'server',
      '--backend-store-uri',
      `sqlite:///${backendStoreFile}`,
      '--artifacts-destination',
      artifactsDir,
      '--serve-artifacts',
      '--host',
      host,
      '--port',
      String(port),
      // One worker: the registry sees a handful of requests per poll interval, and memory matters more here.
      '--workers',
      '1',
    ],
    // The server's job runner (7 worker processes, ~1 GB) serves features a model registry does not use.
    env: { ...process.env, MLFLOW_TRACKING_URI: '', MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' },
  };
}

/** The stack's MLflow component: `up` starts it in order, `retrain` alone when the stack is down. */
export function mlflowComponent(config: ProjectConfig): Component {
  const { mlflow } = config.stack;
  return {
    name: 'mlflow',
    description: `MLflow: tracking server and model registry (${config.model.name}@${config.retraining.championAlias} is what the replicas serve)`,
    ...mlflow,
    healthPath: MLFLOW_HEALTH_PATH,
    prepare: async () => {
      await mkdir(mlflow.artifactsDir, { recursive: true });
    },
    daemon: mlflowDaemonSpec(config),
  };
}
