// A real MLflow tracking server for tests (SQLite registry, artifacts served by the server itself), and
// publishing a model version the way the Python trainer does, over the REST API only: log model.onnx and
// model.json as run artifacts under `model/`, register `<run artifact_uri>/model` as a new version, and
// optionally point an alias at it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, open, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadProjectConfig } from '@fraudops/config';

export interface MlflowServer {
  /** `http://127.0.0.1:<port>`, for MLFLOW_TRACKING_URI. */
  trackingUri: string;
  /** The server's stdout and stderr, to read when something fails. */
  logFile: string;
  /** Stops the server (SIGTERM, then SIGKILL of its process group after a grace period). */
  stop(): Promise<void>;
}

export interface MlflowServerOptions {
  /** Holds mlflow.db, artifacts/ and mlflow.log. */
  dir: string;
  /** A free port is chosen when absent. */
  port?: number;
  /** The server imports a lot of Python: ~20 s on a busy two-core machine. */
  startTimeoutMs?: number;
}

/** Starts `mlflow server` from the ml/ environment on 127.0.0.1 and waits until GET /health answers. */
export async function startMlflowServer(options: MlflowServerOptions): Promise<MlflowServer> {
  const { dir, startTimeoutMs = 120_000 } = options;
  const port = options.port ?? (await freePort());
  await mkdir(join(dir, 'artifacts'), { recursive: true });
  const logFile = join(dir, 'mlflow.log');
  const log = await open(logFile, 'a');
  const mlflow = join(dirname(loadProjectConfig().ml.python), 'mlflow');
  // prettier-ignore
  const args = [
    'server',
    '--backend-store-uri', `sqlite:///${join(dir, 'mlflow.db')}`,
    '--artifacts-destination', join(dir, 'artifacts'),
    '--serve-artifacts',
    '--host', '127.0.0.1',
    '--port', String(port),
    // Passed to uvicorn (the default server of MLflow 3): one process serves the API.
    '--workers', '1',
  ];
  const child = spawn(mlflow, args, {
    cwd: dir,
    // Its own process group, so that stop() can reach uvicorn too if the CLI does not pass SIGTERM on.
    detached: true,
    stdio: ['ignore', log.fd, log.fd],
    env: {
      ...process.env,
      MLFLOW_TRACKING_URI: '',
      // The job runner (seven huey consumers, ~1 GB) serves GenAI jobs that a model registry does not need.
      MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false',
    },
  });
  await log.close();
  const failure: { spawn?: Error } = {};
  child.once('error', (error) => {
    failure.spawn = error;
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  const trackingUri = `http://127.0.0.1:${port}`;

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    child.kill('SIGTERM');
    const timedOut = await Promise.race([exited.then(() => false), sleep(10_000).then(() => true)]);
    if (timedOut) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is gone already.
      }
      await exited;
    }
  };

  const deadline = Date.now() + startTimeoutMs;
  while (failure.spawn === undefined && child.exitCode === null && child.signalCode === null) {
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `mlflow server did not answer ${trackingUri}/health within ${startTimeoutMs} ms; see ${logFile}`,
      );
    }
    try {
      const response = await fetch(`${trackingUri}/health`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return { trackingUri, logFile, stop };
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  if (failure.spawn !== undefined) throw new Error(`cannot run ${mlflow}: ${failure.spawn.message}`);
  const tail = (await readFile(logFile, 'utf8')).split('\n').slice(-20).join('\n');
  throw new Error(`mlflow server exited (code ${child.exitCode}) before answering /health:\n${tail}`);
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no TCP port was assigned');
  return address.port;
}

export interface PublishOptions {
  /** Points this alias at the new version (e.g. `champion`); without it the version is only registered. */
  alias?: string;
  /** The files of modelDir to log, default model.onnx and model.json; fewer to publish an incomplete version. */
  files?: readonly string[];
  /** Experiment of the run, created when missing; default the retraining experiment of fraudops.config.json. */
  experiment?: string;
}

export interface PublishedVersion {
  name: string;
  /** The registry's version number, as MLflow spells it ("1", "2", ...). */
  version: string;
  runId: string;
  /** `mlflow-artifacts:/<experiment id>/<run id>/artifacts/model`. */
  source: string;
}

/** Logs modelDir's files as a run's `model/` artifacts and registers them as a new version of modelName. */
export async function publishModelVersion(
  trackingUri: string,
  modelName: string,
  modelDir: string,
  options: PublishOptions = {},
): Promise<PublishedVersion> {
  const { files = ['model.onnx', 'model.json'] } = options;
  const experimentId = await experimentIdFor(
    trackingUri,
    options.experiment ?? loadProjectConfig().retraining.experiment,
  );
  const { run } = await mlflowCall<{ run: { info: { run_id: string; artifact_uri: string } } }>(
    trackingUri,
    'POST',
    'mlflow/runs/create',
    { experiment_id: experimentId, start_time: Date.now(), run_name: `publish ${modelName}` },
  );
  const { run_id: runId, artifact_uri: artifactUri } = run.info;
  const prefix = 'mlflow-artifacts:/';
  if (!artifactUri.startsWith(prefix) || artifactUri.startsWith(`${prefix}/`)) {
    throw new Error(
      `run ${runId} logs artifacts to ${artifactUri}, not to the server (mlflow-artifacts:/...)`,
    );
  }
  const artifactPath = artifactUri.slice(prefix.length).split('/').map(encodeURIComponent).join('/');
  for (const file of files) {
    const response = await fetch(
      `${trackingUri}/api/2.0/mlflow-artifacts/artifacts/${artifactPath}/model/${encodeURIComponent(file)}`,
      {
        method: 'PUT',
        body: await readFile(join(modelDir, file)),
        headers: { 'content-type': 'application/octet-stream' },
        signal: AbortSignal.timeout(60_000),
      },
    );
    if (!response.ok)
      throw new Error(`uploading ${file} answered ${response.status}: ${await response.text()}`);
  }
  await mlflowCall(trackingUri, 'POST', 'mlflow/runs/update', {
    run_id: runId,
    status: 'FINISHED',
    end_time: Date.now(),
  });

  await mlflowCall(trackingUri, 'POST', 'mlflow/registered-models/create', { name: modelName }, [
    'RESOURCE_ALREADY_EXISTS',
  ]);
  const source = `${artifactUri}/model`;
  const created = await mlflowCall<{ model_version: { version: string; status?: string } }>(
    trackingUri,
    'POST',
    'mlflow/model-versions/create',
    { name: modelName, source, run_id: runId },
  );
  const { version } = created.model_version;
  await waitUntilReady(trackingUri, modelName, version, created.model_version.status);
  if (options.alias !== undefined) await setModelAlias(trackingUri, modelName, options.alias, version);
  return { name: modelName, version, runId, source };
}

/** Points `alias` of modelName at version (moving it if another version had it). */
export async function setModelAlias(
  trackingUri: string,
  modelName: string,
  alias: string,
  version: string,
): Promise<void> {
  await mlflowCall(trackingUri, 'POST', 'mlflow/registered-models/alias', {
    name: modelName,
    alias,
    version,
  });
}

async function experimentIdFor(trackingUri: string, name: string): Promise<string> {
  const found = await mlflowCall<{ experiment?: { experiment_id: string } }>(
    trackingUri,
    'GET',
    `mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`,
    undefined,
    ['RESOURCE_DOES_NOT_EXIST'],
  );
  if (found.experiment !== undefined) return found.experiment.experiment_id;
  const created = await mlflowCall<{ experiment_id?: string }>(
    trackingUri,
    'POST',
    'mlflow/experiments/create',
    { name },
    ['RESOURCE_ALREADY_EXISTS'],
  );
  // Created meanwhile by someone else: it exists now.
  return created.experiment_id ?? experimentIdFor(trackingUri, name);
}

/** A version created from a source is READY at once on MLflow 3; a registry that copies it asynchronously is waited for. */
async function waitUntilReady(
  trackingUri: string,
  name: string,
  version: string,
  status: string | undefined,
): Promise<void> {
  for (let attempt = 0; status !== undefined && status !== 'READY'; attempt++) {
    if (status === 'FAILED_REGISTRATION' || attempt >= 100) {
      throw new Error(`version ${version} of ${name} is ${status}, not READY`);
    }
    await sleep(100);
    const answer = await mlflowCall<{ model_version: { status?: string } }>(
      trackingUri,
      'GET',
      `mlflow/model-versions/get?name=${encodeURIComponent(name)}&version=${encodeURIComponent(version)}`,
    );
    status = answer.model_version.status;
  }
}

/**
 * One call of MLflow's REST API (`/api/2.0/<path>`). An answer whose error_code is in `tolerated` is returned as
 * `{}` instead of throwing.
 */
async function mlflowCall<T = unknown>(
  trackingUri: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  tolerated: readonly string[] = [],
): Promise<T> {
  const response = await fetch(`${trackingUri}/api/2.0/${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let answer: T & { error_code?: string };
  try {
    answer = (text === '' ? {} : JSON.parse(text)) as T & { error_code?: string };
  } catch {
    throw new Error(
      `MLflow ${method} /api/2.0/${path} answered ${response.status} with no JSON: ${text.slice(0, 200)}`,
    );
  }
  if (response.ok) return answer;
  if (answer.error_code !== undefined && tolerated.includes(answer.error_code)) return {} as T;
  throw new Error(`MLflow ${method} /api/2.0/${path} answered ${response.status}: ${text}`);
}
