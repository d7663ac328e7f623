// The quality component (ml/src/fraudops_ml/quality): reads the lake's scores and the labels that arrived, and
// exports live model quality and drift per simulated day and model version on /metrics, which Prometheus
// scrapes for the model-quality rules and dashboard. It keeps no state of its own: a restart rebuilds from the
// lake. It follows the lake sink, whose tables it reads (created by whichever starts first).
import type { ProjectConfig } from '@fraudops/config';
import { mlflowTrackingUri } from '@fraudops/config';
import type { Component } from '../components.ts';
import { BACKGROUND_NICENESS } from '../daemon.ts';
import { lakeDir } from '../lake/lake-sink-component.ts';
import { mkdir } from 'node:fs/promises';

export const QUALITY_COMPONENT = 'quality';

export function qualityComponent(config: ProjectConfig): Component {
  const { quality } = config;
  return {
    name: QUALITY_COMPONENT,
    description: `model quality: lake scores joined with labels, drift against the model card (every ${quality.intervalSeconds} s)`,
    host: quality.metrics.host,
    port: quality.metrics.port,
    healthPath: '/metrics',
    prepare: async () => {
      await mkdir(lakeDir(config), { recursive: true });
    },
    daemon: {
      name: QUALITY_COMPONENT,
      command: config.ml.python,
      args: ['-m', 'fraudops_ml', 'quality', '--config', config.configFile],
      cwd: config.root,
      // Cards of registry versions come from the stack's MLflow server.
      niceness: BACKGROUND_NICENESS,
      env: { ...process.env, PYTHONUNBUFFERED: '1', MLFLOW_TRACKING_URI: mlflowTrackingUri(config) },
    },
  };
}
