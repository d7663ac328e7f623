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
    .option('--seed <n>', 'random seed of the simulation and training', '42')
    .action(async (options: { preset: string; seed: string }) => {
      const config = loadProjectConfig();
      await runMl(config, [
        'train',
        '--data-dir',
        config.data.dir,
        '--models-dir',
        config.model.modelsDir,
        '--preset',
        options.preset,
        '--seed',
        options.seed,
      ]);
    });
}
