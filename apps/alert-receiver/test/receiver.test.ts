import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReceiverServer } from '../src/receiver.ts';
import { firingPayload } from './fixtures.ts';

let dir: string;
let server: Server;
let base: string;
let printed: string[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'alert-receiver-'));
  printed = [];
  server = createReceiverServer({
    notificationsFile: join(dir, 'state', 'notifications.jsonl'),
    print: (line) => printed.push(line),
    bodyLimitBytes: 64 * 1024,
    now: () => new Date('2026-11-26T15:05:00.000Z'),
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  rmSync(dir, { recursive: true, force: true });
});

const post = (path: string, body: string): Promise<Response> =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('alert receiver', () => {
  it('answers /health', async () => {
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('lists no notifications before the first', async () => {
    expect(await (await fetch(`${base}/notifications`)).json()).toEqual([]);
  });

  it.each(['/', '/alerts'])('records a notification posted to %s, prints it and lists it', async (path) => {
    const response = await post(path, JSON.stringify(firingPayload()));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'recorded', alerts: 1 });
    const expected = { receivedAt: '2026-11-26T15:05:00.000Z', ...firingPayload() };
    expect(readFileSync(join(dir, 'state', 'notifications.jsonl'), 'utf8')).toBe(
      `${JSON.stringify(expected)}\n`,
    );
    expect(await (await fetch(`${base}/notifications`)).json()).toEqual([expected]);
    expect(printed).toEqual([
      expect.stringMatching(
        /^FIRING +ScoringApiSaturatedAtMaxReplicas fraudops\/scoring-api-c \[critical\]: /,
      ),
    ]);
  });

  it('keeps concurrent notifications whole, one line each', async () => {
    const pods = Array.from({ length: 20 }, (_, i) => `scoring-api-${i}`);
    await Promise.all(pods.map((pod) => post('/', JSON.stringify(firingPayload(pod)))));
    const recorded = (await (await fetch(`${base}/notifications`)).json()) as {
      commonLabels: { pod: string };
    }[];
    expect(recorded.map((n) => n.commonLabels.pod).sort()).toEqual([...pods].sort());
  });

  it('answers bad JSON with 400 and a message, and records nothing', async () => {
    const response = await post('/', '{"version": "4",');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/not JSON/);
    expect(await (await fetch(`${base}/notifications`)).json()).toEqual([]);
    expect(printed).toEqual([]);
  });

  it('answers a payload that is not a notification with 400', async () => {
    const response = await post('/', JSON.stringify({ hello: 'world' }));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/version/);
  });

  it('answers an oversize body with 413', async () => {
    const response = await post('/', JSON.stringify({ padding: 'x'.repeat(100 * 1024) }));
    expect(response.status).toBe(413);
  });

  it('answers unknown paths with 404 and wrong methods with 405 and Allow', async () => {
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    const response = await fetch(`${base}/alerts`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });
});
