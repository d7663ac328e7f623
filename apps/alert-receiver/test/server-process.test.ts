// The server as a process, the way the stack runs it: env configuration, readiness, SIGTERM.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForHttpOk } from '@fraudops/stack';
import { afterAll, describe, expect, it } from 'vitest';
import { loadReceiverConfig } from '../src/config.ts';
import { firingPayload } from './fixtures.ts';

const serverScript = fileURLToPath(new URL('../src/server.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'alert-receiver-process-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('loadReceiverConfig', () => {
  it('takes its defaults from fraudops.config.json stack.receiver, paths from the repository root', () => {
    const config = loadReceiverConfig({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 19095 });
    expect(config.notificationsFile).toMatch(/\/\.fraudops\/notifications\.jsonl$/);
  });

  it('refuses a PORT that is not a port', () => {
    expect(() => loadReceiverConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  });
});

describe('alert-receiver process', () => {
  it('serves, records, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const file = join(dir, 'notifications.jsonl');
    const child = spawn(process.execPath, [serverScript], {
      env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), NOTIFICATIONS_FILE: file },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitForHttpOk(`http://127.0.0.1:${port}/health`, {
        timeoutMs: 15_000,
        stillRunning: () => child.exitCode === null,
      });
      const response = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        body: JSON.stringify(firingPayload()),
      });
      expect(response.status).toBe(200);
      expect(readFileSync(file, 'utf8')).toContain('"ScoringApiSaturatedAtMaxReplicas"');
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      expect(code, output).toBe(0);
      expect(output).toMatch(/FIRING +ScoringApiSaturatedAtMaxReplicas fraudops\/scoring-api-c/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
