// The real process on SIGTERM: it is not ready from the moment it handles the signal, while the requests it
// had admitted are still in flight and then finish. Two requests are held in flight deterministically: their
// bodies lack one byte until the test sends it.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { replayTransactions, trainedModelDir, unlabelled } from './support/fixtures.ts';
import { startServer, type ServerProcess } from './support/server-process.ts';

let server: ServerProcess | undefined;
const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
  server?.child.kill('SIGKILL');
  server = undefined;
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Parses complete HTTP/1.1 responses (each with a Content-Length) from the start of `buffer`. */
function parseResponses(buffer: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = buffer;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return responses;
    const [statusLine = '', ...headerLines] = rest.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(
      headerLines.map((line) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
      }),
    );
    const length = Number(headers['content-length'] ?? 0);
    if (rest.length < end + 4 + length) return responses;
    responses.push({
      status: Number(statusLine.split(' ')[1]),
      headers,
      body: rest.slice(end + 4, end + 4 + length),
    });
    rest = rest.slice(end + 4 + length);
  }
}

/** A keep-alive connection holding one POST /predict in flight: everything but the body's last byte is sent. */
function heldRequest(
  url: string,
  body: string,
): { socket: Socket; finish: (pipelined?: string) => void; responses: Promise<RawResponse[]> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  sockets.push(socket);
  socket.write(
    `POST /predict HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: keep-alive\r\n\r\n${body.slice(0, -1)}`,
  );
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  const responses = new Promise<RawResponse[]>((resolve) => {
    socket.on('close', () => {
      resolve(parseResponses(received));
    });
    socket.on('error', () => undefined);
  });
  return {
    socket,
    // The last byte, and optionally more requests on the same connection right behind it.
    finish: (pipelined = '') => socket.write(body.slice(-1) + pipelined),
    responses,
  };
}

/** What a kubelet's httpGet probe sees: a new connection, `GET /ready`; anything but 2xx/3xx is a failure. */
async function probe(url: string): Promise<{ ready: boolean; outcome: string }> {
  try {
    const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return { ready: response.status >= 200 && response.status < 400, outcome: `HTTP ${response.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return { ready: false, outcome: cause?.code ?? (error as Error).message };
  }
}

async function inFlight(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^scoring_api_http_requests_in_flight (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
}

describe('scoring-api process on SIGTERM', () => {
  it('turns not ready at once while the requests in flight finish, then exits 0', async () => {
    server = await startServer({
      MODEL_URI: `file:${trainedModelDir()}`,
      // The held requests must outlive the test's steps, not be cut as stalled clients.
      REQUEST_TIMEOUT_MS: '30000',
    });
    const { url, child } = server;
    const [transaction] = await replayTransactions(1);
    const body = JSON.stringify(unlabelled(transaction ?? expect.fail('no transaction in the replay file')));
    expect(await probe(url)).toEqual({ ready: true, outcome: 'HTTP 200' });

    const first = heldRequest(url, body);
    const second = heldRequest(url, body);
    await expect.poll(() => inFlight(url), { timeout: 5000, interval: 50 }).toBe(2);

    child.kill('SIGTERM');
    await expect
      .poll(() => server?.output() ?? '', { timeout: 5000, interval: 20 })
      .toMatch(/"inFlight":2[^\n]*shutting down: draining in-flight requests/);

    // A kubelet's probe (a new connection) now fails: the listener is closed, so it is refused. Repeated, so
    // that a late flip back to ready would be seen too.
    for (let i = 0; i < 3; i++) expect(await probe(url)).toEqual({ ready: false, outcome: 'ECONNREFUSED' });
    expect(child.exitCode, 'the replica must still be draining its two requests').toBeNull();

    // On a connection the replica still serves (a load balancer's kept-alive one), /ready answers 503 and
    // closes the connection, right behind a request that was in flight at the signal and finishes normally.
    first.finish(`GET /ready HTTP/1.1\r\nHost: ${new URL(url).hostname}\r\n\r\n`);
    const [scored, ready, ...more] = await first.responses;
    expect(scored?.status, scored?.body).toBe(200);
    expect(JSON.parse(scored?.body ?? '{}')).toMatchObject({ transaction_id: transaction?.transaction_id });
    expect(ready?.status).toBe(503);
    expect(ready?.headers.connection).toBe('close');
    expect(more).toEqual([]);
    expect(child.exitCode, 'the second request is still in flight').toBeNull();

    // The last request in flight finishes, and only then does the process exit, with 0.
    second.finish();
    const [secondScored] = await second.responses;
    expect(secondScored?.status, secondScored?.body).toBe(200);
    expect(await server.exited).toBe(0);
  });
});
