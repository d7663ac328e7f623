import { join } from 'node:path';
import { loadProjectConfig, mlflowTrackingUri, type ProjectConfig } from '@fraudops/config';
import {
  PROFILES,
  profileNamed,
  runningPid,
  stackComponents,
  stackLayout,
  writeStackProfile,
  readStackProfile,
  monitoringHooks,
  waitForReplicas,
  type Profile,
  type StackOptions,
} from '@fraudops/stack';
import { Command, Option } from 'commander';
import { CliError } from '../cli-error.ts';
import { ensureChampion } from './retrain.ts';
import { startComponent } from '../start-component.ts';

export function upCommand(): Command {
  return new Command('up')
    .description(
      'Start the embedded stack in order, each health-checked: Kafka, Prometheus, Alertmanager, the ' +
        'notification receiver, MLflow, the nginx gateway, the cluster controller (scoring-api replicas at the HPA ' +
        "minimum serving the registry's champion, the local HPA twin, the Kubernetes-dialect exporter), the " +
        'stream scorer, the lake sink and the world (new simulated days of transactions, fraud labels that ' +
        'arrive late). Runs the retraining DAG once first when the registry has no champion. Running ' +
        'components are left as they are.',
    )
    .addOption(
      new Option('--profile <name>', 'timings: prod (the real 5-minute alert) or fast (every duration / 10)')
        .choices(Object.keys(PROFILES))
        .default('prod'),
    )
    .option(
      '--airflow',
      "also start Airflow's api-server (web UI), scheduler and dag-processor: the retraining DAG then runs on its schedule by itself",
    )
    .option('--no-world', 'start no world: the stack then scores only what others send (the attack, curl)')
    .option(
      '--scenario <name>',
      "the world's scenario of change (steady, card-testing, terminal-wave, spending-shift; default: world.scenario)",
    )
    .action(async (options: { profile: string; airflow?: boolean; world: boolean; scenario?: string }) => {
      if (!options.world && options.scenario !== undefined)
        throw new CliError('--scenario needs the world: drop --no-world');
      await startStack(loadProjectConfig(), profileNamed(options.profile), {
        airflow: options.airflow === true,
        world: options.world && (options.scenario === undefined ? true : { scenario: options.scenario }),
      });
    });
}

/**
 * Starts every component that is not running, in order, each health-checked, then waits for the replicas.
 * The replicas serve the registry's champion, so one is made (a first run of the retraining DAG) before
 * they start when there is none. Shared by `up` and `demo`.
 */
export async function startStack(
  config: ProjectConfig,
  profile: Profile,
  options: StackOptions = {},
): Promise<void> {
  const { airflow = false } = options;
  const layout = stackLayout(config);
  const components = stackComponents(config, layout, profile, monitoringHooks(config), options);
  const running = components.filter((c) => runningPid(config.run, c.name) !== null);
  if (running.length > 0) {
    const current = await readStackProfile(layout);
    if (current.name !== profile.name) {
      throw new CliError(
        `the stack runs with the ${current.name} profile (${running.map((c) => c.name).join(', ')}); ` +
          'run `fraudops down` first to switch profiles',
      );
    }
  }
  await writeStackProfile(layout, profile);
  for (const component of components) {
    if (component.name === 'cluster') await ensureChampion(config);
    await startComponent(config, component);
  }
  process.stdout.write('==> waiting for the replicas to be ready ... ');
  const ready = await waitForReplicas(config, 120_000).catch((error: unknown) => {
    throw new CliError(`${(error as Error).message}; see ${join(config.run.logsDir, 'pods')}`);
  });
  console.log(`${ready} ready`);
  console.log(
    `\nfraudops is up (profile ${profile.name}). Score through the gateway: http://${config.stack.gateway.host}:${config.stack.gateway.port}/predict`,
  );
  console.log(`MLflow (runs, registry): ${mlflowTrackingUri(config)}`);
  if (airflow) {
    const { host, port } = config.stack.airflow.apiServer;
    console.log(
      `Airflow (${config.retraining.dagId}, ${config.retraining.schedule}): http://${host}:${port}`,
    );
  }
  console.log('See `npx --no-install fraudops status`; stop with `npx --no-install fraudops down`.');
}
