import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadProjectConfig, mlflowTrackingUri, type ProjectConfig } from '@fraudops/config';
import { Command, InvalidArgumentError } from 'commander';
import { assertPortFree, mlflowComponent, scoringApiEntry } from '@fraudops/stack';
import { CliError } from '../cli-error.ts';
import { RegistryClient } from '../retraining/registry.ts';
import { defaultModelUri, replicaEnv } from '../scoring-api-process.ts';
import { startComponent } from '../start-component.ts';

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('must be an integer 0..65535');
  return port;
}

/** What one replica started by `serve` loads, and the line that says so. */
export interface ModelChoice {
  modelUri: string;
  /** MLFLOW_TRACKING_URI for a models:/ URI. */
  trackingUri?: string;
  line: string;
}

export interface ModelFacts {
  /** --model, when given. */
  flag?: string;
  /** The directory `fraudops train` writes, as a file: URI, and whether it holds a model. */
  directoryUri: string;
  directoryHasModel: boolean;
  /** The registry's champion version; null when the registry has none or there is no registry. */
  champion: { version: string; uri: string; trackingUri: string } | null;
}

/**
 * Pure: --model first; then the registry's champion (what the demo and `fraudops up` serve); then the model
 * `fraudops train` wrote; with neither, the directory, and a line that says how to get a model (the replica
 * stays not-ready meanwhile: it never serves made-up scores).
 */
export function chooseModel(facts: ModelFacts): ModelChoice {
  if (facts.flag !== undefined) return { modelUri: facts.flag, line: `serving ${facts.flag} (--model)` };
  if (facts.champion !== null) {
    const { version, uri, trackingUri } = facts.champion;
    return {
      modelUri: uri,
      trackingUri,
      line: `serving ${uri}: version ${version}, from MLflow at ${trackingUri}`,
    };
  }
  if (facts.directoryHasModel)
    return {
      modelUri: facts.directoryUri,
      line: `serving ${facts.directoryUri} (written by fraudops train)`,
    };
  return {
    modelUri: facts.directoryUri,
    line:
      `no model yet: waiting for ${facts.directoryUri} (not ready until then); get one with ` +
      '`npx --no-install fraudops train`, or a registry champion with `npx --no-install fraudops retrain`',
  };
}

const holdsModel = (dir: string): boolean =>
  existsSync(join(dir, 'model.onnx')) && existsSync(join(dir, 'model.json'));

/**
 * The registry's champion, if the stack's registry exists: MLflow is started when it is not running (as
 * `retrain` does; `fraudops down` stops it), so that the demo's champion can be served after the stack is down.
 */
async function registryChampion(config: ProjectConfig): Promise<ModelFacts['champion']> {
  if (!existsSync(config.stack.mlflow.backendStoreFile)) return null;
  await startComponent(config, mlflowComponent(config));
  const trackingUri = mlflowTrackingUri(config);
  const { name } = config.model;
  const alias = config.retraining.championAlias;
  const champion = await new RegistryClient(trackingUri)
    .versionByAlias(name, alias)
    .catch((error: unknown) => {
      throw new CliError(`the model registry at ${trackingUri}: ${(error as Error).message}`);
    });
  return champion === null
    ? null
    : { version: champion.version, uri: `models:/${name}@${alias}`, trackingUri };
}

export function serveCommand(): Command {
  const config = loadProjectConfig();
  return new Command('serve')
    .description(
      "Run one scoring-api replica in the foreground (Ctrl-C drains in-flight requests and stops it). It serves --model, else the registry's champion (starting the stack's MLflow if needed), else the model `fraudops train` wrote.",
    )
    .option('--host <host>', 'address to listen on', config.scoringApi.host)
    .option('--port <port>', 'port to listen on', parsePort, config.scoringApi.port)
    .option(
      '--model <uri>',
      'model location: file:<dir>, a directory holding model.onnx and model.json, or models:/<name>@<alias>',
    )
    .action(async (options: { host: string; port: number; model?: string }) => {
      await assertPortFree(
        options.host,
        options.port,
        'is the stack running (`npx --no-install fraudops status`)? Its gateway already serves on 8080: use it, stop the stack with `npx --no-install fraudops down`, or pass --port',
      ).catch((error: unknown) => {
        throw new CliError((error as Error).message);
      });
      const directoryUri = defaultModelUri(config);
      const choice = chooseModel({
        ...(options.model === undefined ? {} : { flag: options.model }),
        directoryUri,
        directoryHasModel: holdsModel(join(config.model.modelsDir, 'current')),
        champion: options.model === undefined ? await registryChampion(config) : null,
      });
      console.log(choice.line);
      const env = replicaEnv({ host: options.host, port: options.port, modelUri: choice.modelUri });
      const child = spawn(process.execPath, [scoringApiEntry(config)], {
        stdio: 'inherit',
        env: choice.trackingUri === undefined ? env : { ...env, MLFLOW_TRACKING_URI: choice.trackingUri },
      });
      // The terminal's Ctrl-C reaches the child too (same process group); a SIGTERM sent to us is passed on.
      process.on('SIGTERM', () => {
        child.kill('SIGTERM');
      });
      process.on('SIGINT', () => undefined);
      const [status] = (await once(child, 'exit')) as [number | null];
      process.exitCode = status ?? 1;
    });
}
