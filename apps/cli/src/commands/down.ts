import { loadProjectConfig } from '@fraudops/config';
import {
  AIRFLOW_DAEMONS,
  STACK_DAEMONS,
  WORLD_COMPONENT,
  killOrphanReplicas,
  stackLayout,
  stopDaemon,
} from '@fraudops/stack';
import { Command } from 'commander';

export function downCommand(): Command {
  return new Command('down')
    .description(
      'Stop everything fraudops started, in reverse order: replicas drain first; replicas left behind by a ' +
        'crashed controller are killed. Safe to run when nothing is running.',
    )
    .action(async () => {
      const config = loadProjectConfig();
      // The world stops first: nothing new is published while the rest drains.
      for (const name of [...STACK_DAEMONS, ...AIRFLOW_DAEMONS, WORLD_COMPONENT].reverse()) {
        if (await stopDaemon(config.run, name)) console.log(`stopped ${name}`);
      }
      for (const pod of await killOrphanReplicas(stackLayout(config)))
        console.log(`killed orphaned replica ${pod}`);
      console.log('fraudops is down');
    });
}
