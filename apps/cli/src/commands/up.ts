import { join } from 'node:path';
import { loadProjectConfig, type ProjectConfig } from '@fraudops/config';
import {
  PROFILES,
  assertPortFree,
  logFile,
  profileNamed,
  runningPid,
  stackComponents,
  stackLayout,
  startDaemon,
  waitUntilHealthy,
  writeStackProfile,
  readStackProfile,
  stopDaemon,
  monitoringHooks,
  waitForReplicas,
  type Profile,
} from '@fraudops/stack';
import { Command, Option } from 'commander';
import { CliError } from '../cli-error.ts';
import { ensureModel } from '../model-data.ts';

export function upCommand(): Command {
  return new Command('up')
    .description(
      'Start the embedded stack in order, each health-checked: Kafka, Prometheus, Alertmanager, the ' +
        'notification receiver, the nginx gateway, the cluster controller (scoring-api replicas at the HPA ' +
        'minimum, the local HPA twin, the Kubernetes-dialect exporter) and the stream scorer. Trains a model ' +
        'first when there is none. Running components are left as they are.',
    )
    .addOption(
      new Option('--profile <name>', 'timings: prod (the real 5-minute alert) or fast (every duration / 10)')
        .choices(Object.keys(PROFILES))
        .default('prod'),
    )
    .action(async (options: { profile: string }) => {
      await startStack(loadProjectConfig(), profileNamed(options.profile));
    });
}

/**
 * Starts every component that is not running, in order, each health-checked, then waits for the replicas;
 * trains a model first when there is none. Shared by `up` and `demo`.
 */
export async function startStack(config: ProjectConfig, profile: Profile): Promise<void> {
  const layout = stackLayout(config);
  await ensureModel(config);
  const components = stackComponents(config, layout, profile, monitoringHooks(config));
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
    const address = `${component.host}:${component.port}`;
    const running = runningPid(config.run, component.name);
    if (running !== null) {
      console.log(`==> ${component.name}: already running (pid ${running}) on ${address}`);
      await component.afterStart?.();
      continue;
    }
    for (const port of [component.port, ...(component.extraPorts ?? [])]) {
      await assertPortFree(
        component.host,
        port,
        `${component.name} needs it; see fraudops.config.json`,
      ).catch((error: unknown) => {
        throw new CliError((error as Error).message);
      });
    }
    process.stdout.write(`==> ${component.name}: ${component.description} ... `);
    await component.prepare();
    const pid = startDaemon(config.run, component.daemon);
    try {
      await waitUntilHealthy(component, {
        timeoutMs: 90_000,
        stillRunning: () => runningPid(config.run, component.name) === pid,
      });
      await component.afterStart?.();
    } catch (error) {
      console.log('failed');
      await stopDaemon(config.run, component.name, 5000);
      throw new CliError(
        `${component.name} did not become healthy: ${(error as Error).message}; see ${logFile(config.run, component.name)}`,
      );
    }
    console.log(`up (pid ${pid}, ${address})`);
  }
  process.stdout.write('==> waiting for the replicas to be ready ... ');
  const ready = await waitForReplicas(config, 120_000).catch((error: unknown) => {
    throw new CliError(`${(error as Error).message}; see ${join(config.run.logsDir, 'pods')}`);
  });
  console.log(`${ready} ready`);
  console.log(
    `\nfraudops is up (profile ${profile.name}). Score through the gateway: http://${config.stack.gateway.host}:${config.stack.gateway.port}/predict`,
  );
  console.log('See `npx --no-install fraudops status`; stop with `npx --no-install fraudops down`.');
}
