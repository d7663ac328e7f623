// A real scoring-api process on the trained test model, launched as every launcher does: its entry file
// (scoringApiEntry) with HOST, PORT and MODEL_URI. Apps never import one another.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { loadProjectConfig } from '@fraudops/config';
import { freePort, scoringApiEntry, waitForHttpOk } from '@fraudops/stack';
import { inject } from 'vitest';

export interface ScoringApiProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** host: any loopback address (127.0.0.0/8), so that several replicas can share one port as pods do. */
export async function startScoringApi(
  env: Record<string, string> = {},
  port?: number,
  host = '127.0.0.1',
): Promise<ScoringApiProcess> {
  const chosen = port ?? (await freePort());
  const child = spawn(process.execPath, [scoringApiEntry(loadProjectConfig())], {
    env: {
      ...process.env,
      HOST: host,
      PORT: String(chosen),
      MODEL_URI: `file:${inject('modelDir')}`,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit');
  const url = `http://${host}:${chosen}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  try {
    await waitForHttpOk(`${url}/ready`, { timeoutMs: 30_000, stillRunning: () => child.exitCode === null });
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${output}`, { cause: error });
  }
  return { url, port: chosen, child, output: () => output, stop };
}

/**
 * Takes one of the replica's in-flight slots and keeps it: a POST whose body never arrives is admitted (the
 * replica counts requests when their headers arrive) and holds the slot until released or timed out.
 */
export async function holdInFlightSlot(port: number): Promise<{ release: () => void }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    'POST /predict/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
  );
  // Give the replica a moment to parse the headers and admit the request.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return { release: () => socket.destroy() };
}
