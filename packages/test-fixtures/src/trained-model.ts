// Trains a real model on the small simulated dataset once per checkout (.fraudops/test), with its replay
// file: the service is only ever tested with real artifacts. Delete .fraudops/test to rebuild them.
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { loadProjectConfig } from '@fraudops/config';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    modelDir: string;
    replayFile: string;
  }
}

function ml(python: string, cwd: string, args: string[]): void {
  const result = spawnSync(python, ['-m', 'fraudops_ml', ...args], { cwd, stdio: 'inherit' });
  if (result.status !== 0)
    throw new Error(`python -m fraudops_ml ${args.join(' ')} failed (exit ${result.status})`);
}

export default function setup(project: TestProject): void {
  const config = loadProjectConfig();
  const root = join(config.stateDir, 'test');
  const dataDir = join(root, 'data');
  const modelsDir = join(root, 'models');
  const replayFile = join(dataDir, 'replay.jsonl');
  if (!existsSync(join(modelsDir, 'current', 'model.json'))) {
    ml(config.ml.python, config.root, [
      'train',
      '--preset',
      'small',
      '--data-dir',
      dataDir,
      '--models-dir',
      modelsDir,
    ]);
  }
  if (!existsSync(replayFile)) {
    ml(config.ml.python, config.root, [
      'replay',
      '--preset',
      'small',
      '--data-dir',
      dataDir,
      '--out',
      replayFile,
    ]);
  }
  project.provide('modelDir', realpathSync(join(modelsDir, 'current')));
  project.provide('replayFile', replayFile);
}
