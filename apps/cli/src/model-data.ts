// The model and the replay dataset that the demo, the stack and the attack need, made when missing.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ProjectConfig } from '@fraudops/config';
import { runMl } from './python.ts';

export function step(message: string): void {
  console.log(`\u001b[1m==>\u001b[0m ${message}`);
}

export async function ensureModel(config: ProjectConfig): Promise<void> {
  if (existsSync(join(config.model.modelsDir, 'current', 'model.json'))) {
    step(`model found in ${join(config.model.modelsDir, 'current')} (retrain with \`fraudops train\`)`);
    return;
  }
  step("no model yet: simulating the handbook's dataset and training (about a minute)");
  await runMl(config, ['train', '--data-dir', config.data.dir, '--models-dir', config.model.modelsDir]);
}

export async function ensureReplay(config: ProjectConfig): Promise<void> {
  if (existsSync(config.data.replayFile)) return;
  step('writing the replay dataset (the test week, with features and labels)');
  await runMl(config, ['replay', '--data-dir', config.data.dir, '--out', config.data.replayFile]);
}
