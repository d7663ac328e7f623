// Schemathesis generates valid and invalid requests from the service's own OpenAPI document and checks every
// answer: no 5xx, status codes and bodies as documented, invalid data refused, valid data accepted, 405s.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadProjectConfig } from '@fraudops/config';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, trainedModelDir } from './support/fixtures.ts';
import { startServer, type ServerProcess } from './support/server-process.ts';

const schemathesis = join(dirname(loadProjectConfig().ml.python), 'schemathesis');
// A fixed seed keeps CI reproducible; FUZZ_SEED explores other corners locally.
const seed = process.env.FUZZ_SEED ?? '1';
const examplesPerOperation = process.env.FUZZ_EXAMPLES ?? '150';

let server: ServerProcess | undefined;
afterAll(() => server?.child.kill('SIGKILL'));

describe('OpenAPI-driven fuzzing (schemathesis)', () => {
  it('finds no server error and no departure from the documented API', async () => {
    expect(existsSync(schemathesis), `${schemathesis} is missing: run scripts/setup`).toBe(true);
    server = await startServer({ MODEL_URI: `file:${trainedModelDir()}`, LOG_LEVEL: 'warn' });
    const reportDir = await tempDir('schemathesis');
    const run = spawnSync(
      schemathesis,
      [
        'run',
        `${server.url}/docs/json`,
        '--checks',
        'all',
        '--max-examples',
        examplesPerOperation,
        '--seed',
        seed,
        '--generation-database',
        'none',
        '--no-color',
        '--report-dir',
        reportDir,
      ],
      { encoding: 'utf8', cwd: reportDir, timeout: 240_000 },
    );
    const output = `${run.stdout}${run.stderr}`;
    expect(run.status, output).toBe(0);
    expect(output).toMatch(/\d+ generated/);
    expect(output).toContain('No issues found');
  }, 300_000);
});
