// Checks of the Helm values in deploy/gitops/values that a chart's values.schema.json cannot make, as pure
// functions over the parsed files: the settings a chart documents for being deployed by Argo CD, agreement with
// the embedded stack, and a server's processes fitting the memory limit the values give it. What the rendered
// charts showed, and how they were rendered, is in docs/deploy.md ("The charts, rendered").

export interface ValuesProblem {
  /** The values file, relative to the repository root. */
  file: string;
  /** The dotted path of the setting. */
  setting: string;
  message: string;
}

export function formatValuesProblem(p: ValuesProblem): string {
  return `${p.file}: ${p.setting}: ${p.message}`;
}

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};

/** The value at a path of keys (a key may contain dots, as annotation names do), or undefined. */
export function valueAt(values: unknown, path: readonly string[]): unknown {
  let node: unknown = values;
  for (const key of path) {
    const object = asObject(node);
    if (!(key in object)) return undefined;
    node = object[key];
  }
  return node;
}

export interface RequiredSetting {
  path: readonly string[];
  value: unknown;
  why: string;
}

const ARGOCD_DOC =
  'the chart\'s "Installing the Chart with Argo CD, Flux, Rancher or Terraform": without it Argo CD runs the Job as a PostSync hook, which waits for the pods while their init containers wait for the migrations';

/**
 * The official Airflow chart's settings for Argo CD. The first four are the ones its docs say MUST be set;
 * the migration Job as a Sync hook is its documented way to migrate on every sync; the user Job, a Sync hook
 * one wave later, runs after the migrated pods are healthy and is not re-created when its TTL deletes it.
 */
export const AIRFLOW_ARGOCD_SETTINGS: readonly RequiredSetting[] = [
  { path: ['migrateDatabaseJob', 'useHelmHooks'], value: false, why: ARGOCD_DOC },
  {
    path: ['migrateDatabaseJob', 'applyCustomEnv'],
    value: false,
    why: "the chart's Argo CD settings: a Job's spec is immutable, so it must not change between renders",
  },
  { path: ['createUserJob', 'useHelmHooks'], value: false, why: ARGOCD_DOC },
  {
    path: ['createUserJob', 'applyCustomEnv'],
    value: false,
    why: "the chart's Argo CD settings: a Job's spec is immutable, so it must not change between renders",
  },
  {
    path: ['migrateDatabaseJob', 'jobAnnotations', 'argocd.argoproj.io/hook'],
    value: 'Sync',
    why: "the chart's way to run the migrations on every Argo CD sync (a plain Job would not run again on an upgrade)",
  },
  {
    path: ['createUserJob', 'jobAnnotations', 'argocd.argoproj.io/hook'],
    value: 'Sync',
    why: 'a plain Job is deleted by its TTL and then re-created by every self-heal',
  },
  {
    path: ['createUserJob', 'jobAnnotations', 'argocd.argoproj.io/sync-wave'],
    value: '1',
    why: 'the user can only be created once the migrations ran, i.e. after the pods of wave 0 are healthy',
  },
];

export function checkRequiredSettings(
  file: string,
  values: unknown,
  settings: readonly RequiredSetting[],
): ValuesProblem[] {
  return settings.flatMap(({ path, value, why }) => {
    const actual = valueAt(values, path);
    if (actual === value) return [];
    return [
      {
        file,
        setting: path.join('.'),
        message: `must be ${JSON.stringify(value)}, is ${actual === undefined ? 'unset' : JSON.stringify(actual)} (${why})`,
      },
    ];
  });
}

/** Airflow reads booleans case-insensitively ("False", "false"). */
const airflowBoolean = (value: unknown): string => String(value).toLowerCase();

/**
 * The cluster's Airflow must create the DAG paused or not exactly as the embedded stack does (`embedded` is its
 * AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION): paused, no run ever produces the first champion.
 */
export function checkDagsPausedAtCreation(file: string, values: unknown, embedded: string): ValuesProblem[] {
  const path = ['config', 'core', 'dags_are_paused_at_creation'];
  const actual = valueAt(values, path);
  if (actual !== undefined && airflowBoolean(actual) === airflowBoolean(embedded)) return [];
  return [
    {
      file,
      setting: path.join('.'),
      message: `must be '${embedded}' as in the embedded stack, is ${actual === undefined ? "unset (the chart's default creates DAGs paused)" : JSON.stringify(actual)}`,
    },
  ];
}

/** A memory quantity (Ki, Mi, Gi, k, M, G or bytes) in MiB. */
export function memoryMiB(quantity: unknown): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(String(quantity));
  if (match === null) return undefined;
  const factor: Record<string, number> = {
    Ki: 1 / 1024,
    Mi: 1,
    Gi: 1024,
    k: 1000 / 1048576,
    M: 1e6 / 1048576,
    G: 1e9 / 1048576,
    '': 1 / 1048576,
  };
  return Number(match[1]) * (factor[match[2] ?? ''] ?? Number.NaN);
}

/**
 * The MLflow server's processes, proportional set size in MiB, measured on this project's MLflow (3.17, the
 * client version of ml/uv.lock) on a fresh store: the `mlflow server` parent with uvicorn's supervisor and
 * resource tracker, each uvicorn worker, and the job runner with its seven huey consumers. `mlflow server`
 * starts 4 workers and (MLflow >= 3.5) the job runner unless told otherwise.
 */
export const MLFLOW_SERVER_MIB = { base: 232, perWorker: 208, jobRunner: 860, defaultWorkers: 4 } as const;

export interface MlflowServerMemory {
  workers: number;
  jobRunner: boolean;
  estimateMiB: number;
  limitMiB: number | undefined;
}

/** From the community MLflow chart's values: extraArgs.workers, extraEnvVars, resources.limits.memory. */
export function mlflowServerMemory(values: unknown): MlflowServerMemory {
  const workersValue = valueAt(values, ['extraArgs', 'workers']);
  const workers = workersValue === undefined ? MLFLOW_SERVER_MIB.defaultWorkers : Number(workersValue);
  const jobsValue = valueAt(values, ['extraEnvVars', 'MLFLOW_SERVER_ENABLE_JOB_EXECUTION']);
  // MLflow's boolean variables: "false" or "0" turn it off, anything else (or nothing) leaves it on.
  const jobRunner =
    jobsValue === undefined ||
    !['false', '0'].includes(
      (typeof jobsValue === 'string' ? jobsValue : JSON.stringify(jobsValue)).toLowerCase(),
    );
  const estimateMiB =
    MLFLOW_SERVER_MIB.base +
    workers * MLFLOW_SERVER_MIB.perWorker +
    (jobRunner ? MLFLOW_SERVER_MIB.jobRunner : 0);
  return {
    workers,
    jobRunner,
    estimateMiB,
    limitMiB: memoryMiB(valueAt(values, ['resources', 'limits', 'memory'])),
  };
}

export function checkMlflowServerFitsLimit(file: string, values: unknown): ValuesProblem[] {
  const { workers, jobRunner, estimateMiB, limitMiB } = mlflowServerMemory(values);
  if (limitMiB === undefined)
    return [{ file, setting: 'resources.limits.memory', message: 'must be set (a quantity such as 1Gi)' }];
  if (!Number.isInteger(workers) || workers < 1)
    return [
      { file, setting: 'extraArgs.workers', message: `must be a positive integer, is ${String(workers)}` },
    ];
  if (estimateMiB <= limitMiB) return [];
  return [
    {
      file,
      setting: 'resources.limits.memory',
      message:
        `${String(workers)} workers${jobRunner ? ' and the job runner' : ''} need about ${String(estimateMiB)} MiB, ` +
        `over the ${String(Math.round(limitMiB))} MiB limit: set extraArgs.workers and ` +
        `extraEnvVars.MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false', or raise the limit`,
    },
  ];
}
