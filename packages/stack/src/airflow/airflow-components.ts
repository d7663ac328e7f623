// Airflow's long-running processes for `fraudops up --airflow`: the api-server (web UI and the execution
// API the task runners report to), the scheduler (which starts the weekly run by itself) and the
// dag-processor (which parses the DAG from the git bundle). `fraudops retrain` needs none of them.
import type { ProjectConfig } from '@fraudops/config';
import type { Component } from '../components.ts';
import { mlEnvironmentBin } from '../mlflow/mlflow-server.ts';
import { airflowProcessEnv } from './airflow-environment.ts';
import { prepareAirflowHome } from './airflow-home.ts';
import { syncDagsRepository } from './dags-repository.ts';

/** In start order; the api-server first, since the others' health is read from its monitor endpoint. */
export const AIRFLOW_DAEMONS = ['airflow-api-server', 'airflow-scheduler', 'airflow-dag-processor'] as const;

export const AIRFLOW_HEALTH_PATH = '/api/v2/monitor/health';

interface AirflowHealth {
  metadatabase?: { status?: string };
  scheduler?: { status?: string | null };
  dag_processor?: { status?: string | null };
}

async function airflowHealth(config: ProjectConfig): Promise<AirflowHealth | null> {
  const { host, port } = config.stack.airflow.apiServer;
  try {
    const response = await fetch(`http://${host}:${port}${AIRFLOW_HEALTH_PATH}`, {
      signal: AbortSignal.timeout(2000),
    });
    return response.ok ? ((await response.json()) as AirflowHealth) : null;
  } catch {
    return null;
  }
}

export function airflowComponents(config: ProjectConfig): Component[] {
  const { host, port } = config.stack.airflow.apiServer;
  const airflow = mlEnvironmentBin(config, 'airflow');
  const daemon = (name: (typeof AIRFLOW_DAEMONS)[number], subcommand: string) => ({
    name,
    command: airflow,
    args: [subcommand],
    // Read when the daemon starts, not when the list is built: `status` and `down` must not create the
    // JWT secret in an AIRFLOW_HOME nobody uses.
    get env() {
      return airflowProcessEnv(config);
    },
  });
  return [
    {
      name: 'airflow-api-server',
      description: 'Airflow api-server: the web UI and the execution API',
      host,
      port,
      healthPath: AIRFLOW_HEALTH_PATH,
      prepare: async () => {
        await syncDagsRepository(config);
        await prepareAirflowHome(config);
      },
      daemon: daemon('airflow-api-server', 'api-server'),
    },
    {
      name: 'airflow-scheduler',
      description: `Airflow scheduler: runs ${config.retraining.dagId} on its schedule (${config.retraining.schedule})`,
      host,
      port,
      listensOnPort: false,
      isHealthy: async () => (await airflowHealth(config))?.scheduler?.status === 'healthy',
      prepare: async () => undefined,
      daemon: daemon('airflow-scheduler', 'scheduler'),
    },
    {
      name: 'airflow-dag-processor',
      description: `Airflow dag-processor: parses the DAGs from ${config.retraining.dagsRepository.url} (${config.retraining.dagsRepository.branch})`,
      host,
      port,
      listensOnPort: false,
      isHealthy: async () => (await airflowHealth(config))?.dag_processor?.status === 'healthy',
      prepare: async () => undefined,
      daemon: daemon('airflow-dag-processor', 'dag-processor'),
    },
  ];
}
