// The service's settings: environment variables checked against a JSON schema at start-up, with defaults
// from fraudops.config.json so that every port and path has one source.
import { loadProjectConfig, mlflowTrackingUri } from '@fraudops/config';
import { envSchema } from 'env-schema';

export interface ServiceConfig {
  HOST: string;
  PORT: number;
  /**
   * Where the model comes from: `models:/<name>@<alias>` follows an alias of the MLflow model registry (the
   * stack's replicas follow `champion`), `models:/<name>/<version>` pins a version; `file:<dir>` (a directory
   * holding model.onnx and model.json; may be a symlink that is repointed) or a bare path reads a directory.
   */
  MODEL_URI: string;
  /** The MLflow tracking server (registry and artifact proxy) for `models:/` URIs; unused for a directory. */
  MLFLOW_TRACKING_URI: string;
  MODEL_POLL_INTERVAL_MS: number;
  MAX_IN_FLIGHT: number;
  BATCH_MAX_ITEMS: number;
  BODY_LIMIT_BYTES: number;
  SHUTDOWN_TIMEOUT_MS: number;
  /** A request must arrive whole within this; a slow client cannot hold an in-flight slot. */
  REQUEST_TIMEOUT_MS: number;
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export function loadServiceConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const project = loadProjectConfig(env);
  const api = project.scoringApi;
  return envSchema<ServiceConfig>({
    data: env,
    dotenv: false,
    schema: {
      type: 'object',
      required: [],
      properties: {
        HOST: { type: 'string', default: api.host },
        PORT: { type: 'integer', minimum: 0, maximum: 65535, default: api.port },
        MODEL_URI: { type: 'string', minLength: 1, default: `file:${project.model.modelsDir}/current` },
        MLFLOW_TRACKING_URI: { type: 'string', pattern: '^https?://', default: mlflowTrackingUri(project) },
        MODEL_POLL_INTERVAL_MS: { type: 'integer', minimum: 100, default: project.model.pollIntervalMs },
        MAX_IN_FLIGHT: { type: 'integer', minimum: 1, default: api.maxInFlight },
        BATCH_MAX_ITEMS: { type: 'integer', minimum: 1, maximum: 100000, default: api.batchMaxItems },
        BODY_LIMIT_BYTES: { type: 'integer', minimum: 1024, default: api.bodyLimitBytes },
        SHUTDOWN_TIMEOUT_MS: { type: 'integer', minimum: 0, default: api.shutdownTimeoutMs },
        REQUEST_TIMEOUT_MS: { type: 'integer', minimum: 100, default: api.requestTimeoutMs },
        LOG_LEVEL: {
          type: 'string',
          enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
          default: 'info',
        },
      },
    },
  });
}
