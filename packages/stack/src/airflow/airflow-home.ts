// AIRFLOW_HOME for the embedded stack: its metadata database is created (or migrated after an Airflow
// upgrade) before any Airflow process runs.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ProjectConfig } from '@fraudops/config';
import { mlEnvironmentBin } from '../mlflow/mlflow-server.ts';
import { airflowProcessEnv } from './airflow-environment.ts';

const execFileAsync = promisify(execFile);

/**
 * Runs `airflow db migrate` when the database is missing or the ml/ environment (hence maybe Airflow)
 * changed since the last migration; returns the environment for Airflow processes.
 */
export async function prepareAirflowHome(config: ProjectConfig): Promise<NodeJS.ProcessEnv> {
  const env = airflowProcessEnv(config);
  const { home } = config.stack.airflow;
  await mkdir(home, { recursive: true });
  const stampFile = join(home, 'migrated-for');
  const stamp = createHash('sha256')
    .update(readFileSync(join(config.ml.project, 'uv.lock')))
    .digest('hex');
  const migrated =
    existsSync(join(home, 'airflow.db')) &&
    existsSync(stampFile) &&
    readFileSync(stampFile, 'utf8').trim() === stamp;
  if (!migrated) {
    try {
      await execFileAsync(mlEnvironmentBin(config, 'airflow'), ['db', 'migrate'], {
        env,
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: string; stdout?: string };
      const tail = `${stdout ?? ''}${stderr ?? ''}`.trim().split('\n').slice(-5).join('\n');
      throw new Error(`airflow db migrate failed in ${home}:\n${tail}`, { cause: error });
    }
    await writeFile(stampFile, `${stamp}\n`);
  }
  return env;
}
