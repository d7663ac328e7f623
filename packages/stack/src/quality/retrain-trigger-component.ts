// The retraining trigger (ml/src/fraudops_ml/retraining/trigger.py): Alertmanager's webhook for quality and
// drift alerts. With Airflow in the stack it starts the retraining DAG through the api-server, as of the lake's
// labels' watermark; without, it only logs what it would start (the lake sink's week signal does the same).
import type { ProjectConfig } from '@fraudops/config';
import type { Component } from '../components.ts';
import { BACKGROUND_NICENESS } from '../daemon.ts';

export const RETRAIN_TRIGGER_COMPONENT = 'retrain-trigger';

export function retrainTriggerComponent(config: ProjectConfig, { airflow }: { airflow: boolean }): Component {
  const { host, port } = config.stack.airflow.apiServer;
  return {
    name: RETRAIN_TRIGGER_COMPONENT,
    description: `retraining trigger: quality and drift alerts start ${config.retraining.dagId}${airflow ? '' : ' (no Airflow: logged only)'}`,
    ...config.retraining.alertTrigger,
    healthPath: '/health',
    prepare: async () => undefined,
    daemon: {
      name: RETRAIN_TRIGGER_COMPONENT,
      command: config.ml.python,
      args: [
        '-m',
        'fraudops_ml',
        'retrain-trigger',
        '--config',
        config.configFile,
        // The api-server's address has one owner (stack.airflow.apiServer); the trigger learns it only when it runs.
        ...(airflow ? ['--airflow-url', `http://${host}:${port}`] : []),
      ],
      cwd: config.root,
      niceness: BACKGROUND_NICENESS,
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    },
  };
}
