// Loads fraudops.config.json, the single source of every port, path and name, and resolves its paths
// against the repository root so that callers never depend on their working directory.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorldSettings } from '@fraudops/contracts';

export interface ProjectConfig {
  /** Absolute path of the repository root. */
  root: string;
  /** Absolute path of the config file this was read from (processes fraudops starts get it as FRAUDOPS_CONFIG). */
  configFile: string;
  stateDir: string;
  model: { name: string; modelsDir: string; pollIntervalMs: number };
  data: { dir: string; replayFile: string };
  ml: { project: string; python: string };
  scoringApi: {
    host: string;
    port: number;
    maxInFlight: number;
    batchMaxItems: number;
    bodyLimitBytes: number;
    shutdownTimeoutMs: number;
    requestTimeoutMs: number;
  };
  run: { pidsDir: string; logsDir: string };
  retraining: RetrainingConfig;
  stack: StackConfig;
  cloud: CloudConfig;
  /** The world's settings; their one source is world-settings.schema.json (Python validates the section). */
  world: WorldSettings;
  lake: LakeConfig;
  quality: QualityConfig;
}

/** Live model quality (ml/src/fraudops_ml/quality): what the stack reads to start it and the alerts rely on. */
export interface QualityConfig {
  /** Wall-clock seconds between two reads of the lake. */
  intervalSeconds: number;
  /** Final simulated days kept: the Average Precision's span and the quality alert's (QUALITY_ALERT.finalDays). */
  finalDays: number;
  driftWindowHours: number;
  driftMinTransactions: number;
  metrics: Endpoint;
}

/** The lake (ml/src/fraudops_ml/lake): what the stack reads to start its sink and to name its tables. */
export interface LakeConfig {
  /** The SQL catalog and the warehouse (paths relative to the config file's folder, as the Python side reads them). */
  catalog: { name: string; uri: string; warehouse: string };
  namespace: string;
  /** shadowScoredTransactions: the frozen baseline's scores of the same rows (ml/src/fraudops_ml/quality/shadow.py). */
  tables: { scoredTransactions: string; labels: string; shadowScoredTransactions: string };
  metrics: Endpoint;
}

/** The production target in deploy/: cluster version, image names, the Gateway's public host. */
export interface CloudConfig {
  /** `major.minor`: what Terraform pins and what every manifest is validated against. */
  kubernetesVersion: string;
  namespace: string;
  images: { scoringApi: string; streamScorer: string; attack: string; airflow: string };
  host: string;
}

/** The retraining DAG, the registry names and the git repository Airflow reads the DAG from. */
export interface RetrainingConfig {
  dagId: string;
  /** An Airflow schedule (cron or preset such as `@weekly`). */
  schedule: string;
  experiment: string;
  championAlias: string;
  /** The first champion, frozen: scored in shadow to show what retraining bought (never serves). */
  baselineAlias: string;
  preset: string;
  /** Candidate names of fraudops_ml.train; empty means all. */
  candidates: string[];
  promotion: { metric: 'average_precision' | 'card_precision_top_100' | 'auc_roc'; minGain: number };
  workDir: string;
  /** The project's DAG folder, mirrored into dagsRepository when that is a local path. */
  dagsFolder: string;
  dagsRepository: { url: string; branch: string; subdir: string; gitConnId: string };
  /** The webhook Alertmanager hands quality and drift alerts to (ml/src/fraudops_ml/retraining/trigger.py). */
  alertTrigger: Endpoint;
}

export interface Endpoint {
  host: string;
  port: number;
}

export interface StackConfig {
  namespace: string;
  deployment: string;
  kafka: Endpoint & {
    controllerPort: number;
    topics: {
      transactions: string;
      scores: string;
      deadLetter: string;
      labels: string;
      lakeDeadLetter: string;
    };
  };
  gateway: Endpoint & { rateLimit: { requestsPerSecond: number; burst: number } };
  /** cpuRequestMilli replaces the Deployment's CPU request for the local replicas (see the config file). */
  replicas: { host: string; basePort: number; cpuRequestMilli: number };
  prometheus: Endpoint;
  alertmanager: Endpoint;
  receiver: Endpoint & { notificationsFile: string };
  /** The cluster controller: replicas, HPA twin, /metrics in the Kubernetes dialect, /status. */
  cluster: Endpoint;
  /** The stream scorer's /metrics and /health, its consumer group and its batching bounds. */
  streamScorer: Endpoint & {
    groupId: string;
    maxBatchSize: number;
    maxBatchWaitMs: number;
    maxBatchesInFlight: number;
  };
  /** Where a running attack serves /metrics for Prometheus. */
  attack: Endpoint;
  /** The MLflow tracking server and model registry (SQLite backend, served artifacts). */
  mlflow: Endpoint & { backendStoreFile: string; artifactsDir: string };
  /** AIRFLOW_HOME; the api-server (web UI) runs with `up --airflow`. */
  airflow: { home: string; apiServer: Endpoint };
  /** Channels that page the administrator besides the local receiver; null when off. */
  alerting: {
    telegram: { chatId: number; botTokenFile: string } | null;
    email: {
      to: string;
      from: string;
      smarthost: string;
      authUsername?: string;
      authPasswordFile?: string;
      requireTls?: boolean;
    } | null;
  };
}

export const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Path of the config file: $FRAUDOPS_CONFIG when set, else fraudops.config.json at the repository root. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.FRAUDOPS_CONFIG ?? resolve(repositoryRoot, 'fraudops.config.json');
}

/** Reads the project config; relative paths in it are resolved against the repository root. */
export function loadProjectConfig(env: NodeJS.ProcessEnv = process.env): ProjectConfig {
  const file = configPath(env);
  let raw: Omit<ProjectConfig, 'root'>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as Omit<ProjectConfig, 'root'>;
  } catch (error) {
    throw new Error(`cannot read the fraudops config ${file}: ${(error as Error).message}`, { cause: error });
  }
  const at = (path: string): string => (isAbsolute(path) ? path : resolve(repositoryRoot, path));
  return {
    ...raw,
    root: repositoryRoot,
    configFile: resolve(file),
    stateDir: at(raw.stateDir),
    model: { ...raw.model, modelsDir: at(raw.model.modelsDir) },
    data: { dir: at(raw.data.dir), replayFile: at(raw.data.replayFile) },
    ml: { project: at(raw.ml.project), python: at(raw.ml.python) },
    run: { pidsDir: at(raw.run.pidsDir), logsDir: at(raw.run.logsDir) },
    retraining: {
      ...raw.retraining,
      workDir: at(raw.retraining.workDir),
      dagsFolder: at(raw.retraining.dagsFolder),
      dagsRepository: {
        ...raw.retraining.dagsRepository,
        url: localOrRemote(raw.retraining.dagsRepository.url, at),
      },
    },
    world: { ...raw.world, stateFile: at(raw.world.stateFile) },
    stack: {
      ...raw.stack,
      mlflow: {
        ...raw.stack.mlflow,
        backendStoreFile: at(raw.stack.mlflow.backendStoreFile),
        artifactsDir: at(raw.stack.mlflow.artifactsDir),
      },
      airflow: { ...raw.stack.airflow, home: at(raw.stack.airflow.home) },
      receiver: { ...raw.stack.receiver, notificationsFile: at(raw.stack.receiver.notificationsFile) },
    },
  };
}

/** A git URL (`https://`, `ssh://`, `git@host:`, `file://`) is kept; anything else is a local path. */
function localOrRemote(url: string, at: (path: string) => string): string {
  return /^[a-z+]+:\/\//.test(url) || /^[^/@:]+@[^/:]+:/.test(url) ? url : at(url);
}

/** The tracking URI of the stack's MLflow server. */
export function mlflowTrackingUri(config: ProjectConfig): string {
  return `http://${config.stack.mlflow.host}:${config.stack.mlflow.port}`;
}
