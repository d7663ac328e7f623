// The README's curl examples must work as written: each one runs against a live replica.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadProjectConfig } from '@fraudops/config';
import { afterAll, describe, expect, it } from 'vitest';
import { trainedModelDir } from './support/fixtures.ts';
import { startServer, type ServerProcess } from './support/server-process.ts';

const config = loadProjectConfig();
const documentedBase = `http://${config.scoringApi.host}:${config.scoringApi.port}`;
const readme = readFileSync(`${config.root}/README.md`, 'utf8');
const examples = readme
  .split('\n')
  .filter((line) => line.startsWith(`curl -fsS ${documentedBase}`))
  .map((line) => line.replace(/\s+#.*$/, ''));

let server: ServerProcess | undefined;
afterAll(() => server?.child.kill('SIGKILL'));

describe("the README's curl examples", () => {
  it('are there, and use the configured address', () => {
    expect(examples.length).toBeGreaterThanOrEqual(6);
  });

  it.each(examples)('%s', async (example) => {
    server ??= await startServer({ MODEL_URI: `file:${trainedModelDir()}` });
    // curl -f fails on any HTTP error status; the command is the README's, only the port differs.
    const output = execFileSync('bash', ['-c', example.replace(documentedBase, server.url)], {
      encoding: 'utf8',
    });
    if (example.includes('/metrics')) expect(output).toContain('scoring_api_model_ready 1');
    else expect(() => JSON.parse(output) as unknown).not.toThrow();
  });
});
