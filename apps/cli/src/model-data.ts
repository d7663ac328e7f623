// The replay dataset that the demo and the attack need, made when missing.
import { existsSync } from 'node:fs';
import type { ProjectConfig } from '@fraudops/config';
import { runMl } from './python.ts';

export function step(message: string): void {
  console.log(`\u001b[1m==>\u001b[0m ${message}`);
}

export async function ensureReplay(config: ProjectConfig): Promise<void> {
  if (existsSync(config.data.replayFile)) return;
  step('writing the replay dataset (the test week, with features and labels)');
  await runMl(config, ['replay', '--data-dir', config.data.dir, '--out', config.data.replayFile]);
}
