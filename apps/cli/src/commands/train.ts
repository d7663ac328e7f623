import { loadProjectConfig } from '@fraudops/config';
import { Command, Option } from 'commander';
import { runMl } from '../python.ts';

export function trainCommand(): Command {
  return new Command('train')
    .description(
      'Simulate the transactions (cached), build the 15 features, train and compare the candidate models with the ' +
        "handbook's protocol, print the evaluation table, and export the best as ONNX + model card to the models " +
        'directory (its `current` link is repointed; a running scoring-api picks it up at its next poll).',
    )
    .addOption(
      new Option('--preset <name>', "dataset size: the handbook's default, or small for quick runs")
        .choices(['default', 'small'])
        .default('default'),
    )
    .option('--seed <n>', 'random seed of the training (default 0)')
    .option('--data-seed <n>', 'random seed of the simulated dataset (default 0)')
    .action(async (options: { preset: string; seed?: string; dataSeed?: string }) => {
      const config = loadProjectConfig();
      const args = ['train', '--data-dir', config.data.dir, '--models-dir', config.model.modelsDir];
      args.push('--preset', options.preset);
      if (options.seed !== undefined) args.push('--seed', options.seed);
      if (options.dataSeed !== undefined) args.push('--data-seed', options.dataSeed);
      await runMl(config, args);
    });
}
