import { loadProjectConfig } from '@fraudops/config';
import { Command, Option } from 'commander';
import { runMl } from '../python.ts';

export function replayCommand(): Command {
  return new Command('replay')
    .description(
      'Write the replay dataset (transactions with their features and labels, JSON Lines, one Transaction per line) ' +
        'that the attack generator streams; by default the test week of the evaluation protocol.',
    )
    .option('--out <file>', 'where to write it (default: data.replayFile of fraudops.config.json)')
    .addOption(
      new Option('--preset <name>', 'dataset to take it from')
        .choices(['default', 'small'])
        .default('default'),
    )
    .option('--start-date <yyyy-mm-dd>', 'first day of the window (default: the test week)')
    .option('--days <n>', 'number of days in the window (default: 7)')
    .action(async (options: { out?: string; preset: string; startDate?: string; days?: string }) => {
      const config = loadProjectConfig();
      const args = ['replay', '--data-dir', config.data.dir, '--out', options.out ?? config.data.replayFile];
      args.push('--preset', options.preset);
      if (options.startDate !== undefined) args.push('--start-date', options.startDate);
      if (options.days !== undefined) args.push('--days', options.days);
      await runMl(config, args);
    });
}
