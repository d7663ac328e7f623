// The real process: SIGTERM drains in-flight work and exits 0; overload is shed with 429 + Retry-After.
import type { Transaction } from '@fraudops/contracts';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { replayTransactions, trainedModelDir, unlabelled } from './support/fixtures.ts';
import { startServer, type ServerProcess } from './support/server-process.ts';

let batch: string;
let server: ServerProcess | undefined;

beforeAll(async () => {
  const transactions = (await replayTransactions(1000)).map(unlabelled);
  batch = JSON.stringify({ transactions: transactions satisfies Transaction[] });
});
afterEach(() => {
  server?.child.kill('SIGKILL');
  server = undefined;
});

const postBatch = (url: string) =>
  fetch(`${url}/predict/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: batch,
  });

describe('scoring-api process', () => {
  it('on SIGTERM finishes every request in flight, then exits 0', async () => {
    server = await startServer({ MODEL_URI: `file:${trainedModelDir()}` });
    const { url, child } = server;
    let firstAnswer: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (firstAnswer = resolve));
    const requests = Array.from({ length: 40 }, () =>
      postBatch(url).then(
        (response) => {
          firstAnswer();
          return { status: response.status, at: Date.now() };
        },
        // A request the server had not begun when it stopped accepting may be refused at the connection.
        (error: unknown) => ({ status: 0, at: Date.now(), error }),
      ),
    );
    // Once the first answer is back the server is busy with the rest: stop it now.
    await answered;
    const signalledAt = Date.now();
    child.kill('SIGTERM');
    const answers = await Promise.all(requests);
    expect(await server.exited).toBe(0);

    const log = server.output();
    const inFlightAtSignal = Number(/"inFlight":(\d+)[^\n]*draining in-flight requests/.exec(log)?.[1]);
    expect(inFlightAtSignal, log).toBeGreaterThan(0);
    // Every request the server had accepted was answered in full, after the signal.
    const completedAfterSignal = answers.filter((a) => a.status === 200 && a.at >= signalledAt).length;
    expect(completedAfterSignal).toBeGreaterThanOrEqual(inFlightAtSignal);
    // Nothing failed inside the server: the only other outcomes are refusals of requests never begun.
    expect(answers.filter((a) => a.status !== 200 && a.status !== 503 && a.status !== 0)).toEqual([]);
  });

  it('sheds requests beyond MAX_IN_FLIGHT with 429 and Retry-After, and counts them', async () => {
    server = await startServer({ MODEL_URI: `file:${trainedModelDir()}`, MAX_IN_FLIGHT: '2' });
    const { url } = server;
    const responses = await Promise.all(Array.from({ length: 30 }, () => postBatch(url)));
    const statuses = responses.map((r) => r.status);
    expect(statuses).toContain(200);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    const shed = responses.find((r) => r.status === 429);
    expect(shed?.headers.get('retry-after')).toBe('1');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const rejected = Number(
      /scoring_api_http_requests_rejected_total\{reason="overload"\} (\d+)/.exec(metrics)?.[1],
    );
    expect(rejected).toBe(statuses.filter((s) => s === 429).length);
    // Probes are never shed.
    expect((await fetch(`${url}/ready`)).status).toBe(200);
  });

  it('does not let clients that stall mid-body hold its in-flight slots', async () => {
    server = await startServer({
      MODEL_URI: `file:${trainedModelDir()}`,
      MAX_IN_FLIGHT: '2',
      REQUEST_TIMEOUT_MS: '500',
    });
    const { url } = server;
    const { port } = new URL(url);
    const { connect } = await import('node:net');
    const stalled = [0, 1].map(() => {
      const socket = connect(Number(port), '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(
        'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{',
      );
      return socket;
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const response = await postBatch(url);
    expect(response.status).toBe(200);
    for (const socket of stalled) socket.destroy();
  });

  it('refuses to start on a port that is taken, naming the port', async () => {
    server = await startServer({ MODEL_URI: `file:${trainedModelDir()}` });
    const port = new URL(server.url).port;
    const { spawnSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const second = spawnSync(
      process.execPath,
      [fileURLToPath(new URL('../src/server.ts', import.meta.url))],
      {
        env: { ...process.env, HOST: '127.0.0.1', PORT: port, MODEL_URI: `file:${trainedModelDir()}` },
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(second.status).toBe(1);
    expect(second.stdout + second.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
  });
});
