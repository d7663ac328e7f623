// The lake sink (ml/src/fraudops_ml/lake): lands `scores` and `labels` in the lake's Iceberg tables, and
// tells Airflow when a simulated week of labels has landed (an asset event the retraining DAG is scheduled
// on). Without Airflow in the stack it only logs that a week closed.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProjectConfig } from '@fraudops/config';
import type { Component } from '../components.ts';
import { BACKGROUND_NICENESS } from '../daemon.ts';

export const LAKE_SINK_COMPONENT = 'lake-sink';

/** The lake's files on one machine: the SQLite catalog and the warehouse live under the state folder. */
export const lakeDir = (config: ProjectConfig): string => join(config.stateDir, 'lake');

export function lakeSinkArgs(config: ProjectConfig, { airflow }: { airflow: boolean }): string[] {
  const { host, port } = config.stack.airflow.apiServer;
  return [
    '-m',
    'fraudops_ml',
    'lake-sink',
    '--config',
    config.configFile,
    // The api-server's address has one owner (stack.airflow.apiServer); the sink learns it only when it runs.
    ...(airflow ? ['--airflow-url', `http://${host}:${port}`] : []),
  ];
}

export function lakeSinkComponent(config: ProjectConfig, { airflow }: { airflow: boolean }): Component {
  const { lake, stack } = config;
  return {
    name: LAKE_SINK_COMPONENT,
    description:
      `lake sink: ${stack.kafka.topics.scores} and ${stack.kafka.topics.labels} into Iceberg tables ` +
      `(${lake.namespace}.${lake.tables.scoredTransactions}, ${lake.namespace}.${lake.tables.labels})`,
    host: lake.metrics.host,
    port: lake.metrics.port,
    healthPath: '/metrics',
    prepare: async () => {
      await mkdir(lakeDir(config), { recursive: true });
    },
    daemon: {
      name: LAKE_SINK_COMPONENT,
      command: config.ml.python,
      args: lakeSinkArgs(config, { airflow }),
      cwd: config.root,
      niceness: BACKGROUND_NICENESS,
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    },
  };
}
