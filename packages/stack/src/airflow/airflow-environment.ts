// Airflow's settings for the embedded stack, as environment variables (Airflow's own override mechanism),
// from the one config: every Airflow process fraudops starts — `airflow dags test` for `retrain`, and the
// api-server, scheduler and dag-processor of `up --airflow` — gets the same ones.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mlflowTrackingUri, type ProjectConfig } from '@fraudops/config';

/** The DAG bundle's name in Airflow (the UI and `airflow dags list` show it). */
export const DAGS_BUNDLE_NAME = 'fraudops-dags';

/** The Airflow connection holding the DAG repository's URL (and, in production, its credentials). */
export function dagsConnectionEnvName(connId: string): string {
  return `AIRFLOW_CONN_${connId.toUpperCase()}`;
}

/**
 * Pure: the variables for a given config and JWT secret (shared by every component so that the scheduler's
 * task runners and the api-server trust each other's tokens).
 */
export function airflowEnvironment(config: ProjectConfig, jwtSecret: string): Record<string, string> {
  const { home, apiServer } = config.stack.airflow;
  const { dagsRepository } = config.retraining;
  return {
    AIRFLOW_HOME: home,
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    AIRFLOW__CORE__EXECUTOR: 'LocalExecutor',
    AIRFLOW__CORE__PARALLELISM: '2',
    // A scheduled run happens by itself once `up --airflow` runs: the DAG is not paused when it appears.
    AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION: 'False',
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: `sqlite:///${join(home, 'airflow.db')}`,
    AIRFLOW__LOGGING__BASE_LOG_FOLDER: join(home, 'logs'),
    AIRFLOW__API__HOST: apiServer.host,
    AIRFLOW__API__PORT: String(apiServer.port),
    AIRFLOW__API__BASE_URL: `http://${apiServer.host}:${apiServer.port}`,
    AIRFLOW__CORE__EXECUTION_API_SERVER_URL: `http://${apiServer.host}:${apiServer.port}/execution/`,
    AIRFLOW__API_AUTH__JWT_SECRET: jwtSecret,
    // One local user: the web UI opens without a login. Production uses the chart's auth manager.
    AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS: 'True',
    AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_STORAGE_PATH: join(home, 'dag_bundles'),
    AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL: '60',
    AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST: JSON.stringify([
      {
        name: DAGS_BUNDLE_NAME,
        classpath: 'airflow.providers.git.bundles.git.GitDagBundle',
        kwargs: {
          git_conn_id: dagsRepository.gitConnId,
          tracking_ref: dagsRepository.branch,
          subdir: dagsRepository.subdir,
        },
      },
    ]),
    [dagsConnectionEnvName(dagsRepository.gitConnId)]: JSON.stringify({
      conn_type: 'git',
      host: dagsRepository.url,
    }),
    // What the DAG's tasks read: the same config file and the stack's registry.
    FRAUDOPS_CONFIG: config.configFile,
    MLFLOW_TRACKING_URI: mlflowTrackingUri(config),
    // The tasks name their runs themselves; MLflow's own per-run links would double every line.
    MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT: 'true',
    // Task output reaches `fraudops retrain` as it is printed, not when a buffer fills.
    PYTHONUNBUFFERED: '1',
  };
}

/** The JWT secret of this AIRFLOW_HOME, made once (random, owner-only) and reused by every component. */
export function airflowJwtSecret(config: ProjectConfig): string {
  const file = join(config.stack.airflow.home, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.stack.airflow.home, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** The environment of an Airflow process fraudops starts: the user's, with Airflow's settings on top. */
export function airflowProcessEnv(config: ProjectConfig): NodeJS.ProcessEnv {
  const settings = airflowEnvironment(config, airflowJwtSecret(config));
  const connection = dagsConnectionEnvName(config.retraining.dagsRepository.gitConnId);
  // A connection the user defined carries the repository's credentials (token, SSH key): it wins over
  // the URL-only one made from the config.
  if (process.env[connection] !== undefined) Reflect.deleteProperty(settings, connection);
  return { ...process.env, ...settings };
}
