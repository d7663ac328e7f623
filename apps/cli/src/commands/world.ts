import { loadProjectConfig } from '@fraudops/config';
import { WORLD_COMPONENT, runningPid } from '@fraudops/stack';
import { Command } from 'commander';
import { CliError } from '../cli-error.ts';
import { runMl } from '../python.ts';

/**
 * `fraudops world`: the world in the foreground, for a scenario of one's own or a dry run. `up` runs the same
 * world as a daemon; two worlds would publish the same simulated days twice, so this one refuses while it runs.
 * Every option is the Python command's own (`--help` prints them), passed on unchanged.
 */
export function worldCommand(): Command {
  return new Command('world')
    .description(
      'Run the world in the foreground: new days of transactions in simulated time on `transactions`, and each ' +
        'fraud label on `labels` when it becomes known (after the feedback delay, or earlier when the card ' +
        'holder reports it). `up` runs it already (unless --no-world); this is for a scenario of your own, a ' +
        'set number of days, or a --dry-run to a file. Options are those of `python -m fraudops_ml world`.',
    )
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[options...]', 'passed to python -m fraudops_ml world (try --help)')
    .action(async (args: string[]) => {
      const config = loadProjectConfig();
      const pid = runningPid(config.run, WORLD_COMPONENT);
      const help = args.includes('--help') || args.includes('-h');
      if (pid !== null && !help && !args.includes('--dry-run')) {
        throw new CliError(
          `the stack's world runs already (pid ${String(pid)}); stop the stack and start it with ` +
            '`fraudops up --no-world` to run a world of your own, or use --dry-run --out <file>',
        );
      }
      await runMl(config, ['world', '--config', config.configFile, ...args]);
    });
}
