import { loadProjectConfig } from '@fraudops/config';
import { stopDaemon } from '@fraudops/stack';
import { Command } from 'commander';
import { DEMO_DAEMONS } from './demo.ts';

export function downCommand(): Command {
  return new Command('down')
    .description('Stop every background process the demo started (in-flight requests drain first).')
    .action(async () => {
      const config = loadProjectConfig();
      for (const name of DEMO_DAEMONS) {
        const stopped = await stopDaemon(config.run, name);
        console.log(stopped ? `stopped ${name}` : `${name} was not running`);
      }
    });
}
