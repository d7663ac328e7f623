// Starting one component of the embedded stack: its ports checked free, its files prepared, the daemon
// started and health-checked. `up` walks the list with it; `retrain` starts MLflow alone with it.
import { CliError } from './cli-error.ts';
import type { ProjectConfig } from '@fraudops/config';
import {
  assertPortFree,
  logFile,
  runningPid,
  startDaemon,
  stopDaemon,
  waitUntilHealthy,
  type Component,
} from '@fraudops/stack';

/** Starts one component unless it runs (then only its afterStart runs), and waits until it is healthy. */
export async function startComponent(config: ProjectConfig, component: Component): Promise<void> {
  const address = `${component.host}:${component.port}`;
  const running = runningPid(config.run, component.name);
  if (running !== null) {
    console.log(`==> ${component.name}: already running (pid ${running}) on ${address}`);
    await component.afterStart?.();
    return;
  }
  const ports = [
    ...(component.listensOnPort === false ? [] : [component.port]),
    ...(component.extraPorts ?? []),
  ];
  for (const port of ports) {
    await assertPortFree(component.host, port, `${component.name} needs it; see fraudops.config.json`).catch(
      (error: unknown) => {
        throw new CliError((error as Error).message);
      },
    );
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
