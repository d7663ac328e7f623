// Runs the retraining DAG for real with Airflow (`airflow dags test`: one DAG run, in this process's
// Airflow, parsed from the git bundle), shows each task's progress, and keeps Airflow's full output in a
// log file that a failure points to.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ProjectConfig } from '@fraudops/config';
import { mlEnvironmentBin } from '@fraudops/stack';
import { CliError } from '../cli-error.ts';
import { parseDagTestLine } from './dag-test-output.ts';

export interface DagRunResult {
  runId: string;
  logFile: string;
  seconds: number;
}

const elapsed = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

export async function runDagTest(
  config: ProjectConfig,
  env: NodeJS.ProcessEnv,
  logicalDate: string,
): Promise<DagRunResult> {
  const { dagId } = config.retraining;
  await mkdir(config.run.logsDir, { recursive: true });
  const logFile = join(config.run.logsDir, `retrain-${logicalDate.replaceAll(':', '-')}.log`);
  const log = createWriteStream(logFile);
  const started = Date.now();
  const child = spawn(mlEnvironmentBin(config, 'airflow'), ['dags', 'test', dagId, logicalDate], {
    cwd: config.root,
    // graphviz only draws the run's graph (--show-dagrun), which retrain does not ask for.
    env: { ...env, PYTHONWARNINGS: 'ignore:Could not import graphviz' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let task = '';
  let taskStarted = started;
  let runId = '';
  let runState = '';
  const failedTasks: string[] = [];
  let lastException = '';
  const onLine = (line: string): void => {
    log.write(`${line}\n`);
    // The last line of a Python traceback names the exception and its message: the cause to report.
    if (/^[\w.]+(Error|Exception): /.test(line)) lastException = line.trim();
    const event = parseDagTestLine(line);
    if (event === null) return;
    switch (event.kind) {
      case 'task-started':
        task = event.task;
        taskStarted = Date.now();
        console.log(`  ▶ ${task}`);
        break;
      case 'task-state':
        if (event.state === 'success') console.log(`  ✓ ${task} (${elapsed(taskStarted)})`);
        else if (event.state === 'up_for_retry')
          console.log(`  ↻ ${task} failed, will retry (see ${logFile})`);
        else if (event.state === 'failed') {
          console.log(`  ✗ ${task} failed (${elapsed(taskStarted)})`);
          failedTasks.push(task);
        } else if (event.state !== 'running') console.log(`  · ${task}: ${event.state}`);
        break;
      case 'output':
        console.log(`      ${event.text}`);
        break;
      case 'run-finished':
        runId = event.runId;
        runState = event.state;
        break;
      case 'task-ended':
        break;
    }
  };
  const lines = [createInterface({ input: child.stdout }), createInterface({ input: child.stderr })];
  for (const reader of lines) reader.on('line', onLine);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', (error) => {
      reject(new CliError(`cannot run airflow: ${error.message}; run scripts/setup`));
    });
    child.once('close', resolve);
  });
  await new Promise<void>((resolve) => log.end(resolve));
  if (code !== 0 || runState !== 'success') {
    const what =
      failedTasks.length > 0 ? `task ${failedTasks.join(', ')} failed` : `airflow exited with ${code}`;
    const cause = lastException === '' ? '' : ` (${lastException})`;
    throw new CliError(
      `the DAG run of ${dagId} for ${logicalDate} failed: ${what}${cause}; Airflow's output: ${logFile}`,
    );
  }
  return { runId, logFile, seconds: (Date.now() - started) / 1000 };
}
