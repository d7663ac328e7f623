// Runs the ml/ Python package (training, replay data) with the environment scripts/setup synced from uv.lock.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { ProjectConfig } from '@fraudops/config';
import { CliError } from './cli-error.ts';

/** Runs `python -m fraudops_ml <args>` with the terminal attached; rejects with CliError on failure. */
export async function runMl(config: ProjectConfig, args: readonly string[]): Promise<void> {
  if (!existsSync(config.ml.python)) {
    throw new CliError(
      `the ml/ Python environment is missing (${config.ml.python}); run scripts/setup first`,
    );
  }
  const child = spawn(config.ml.python, ['-m', 'fraudops_ml', ...args], {
    cwd: config.root,
    stdio: 'inherit',
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0)
    throw new CliError(`python -m fraudops_ml ${args[0] ?? ''} failed (exit ${code ?? 'signal'})`, code ?? 1);
}
