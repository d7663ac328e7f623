import { once } from 'node:events';
import { createServer } from 'node:net';

/** A port that was free on 127.0.0.1 a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/** Throws an error naming the port when something already listens on it. */
export async function assertPortFree(host: string, port: number, hint = ''): Promise<void> {
  const server = createServer();
  server.listen(port, host);
  try {
    await once(server, 'listening');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'EADDRINUSE'
        ? `port ${port} on ${host} is already in use by another program${hint ? `; ${hint}` : ''}`
        : `cannot listen on ${host}:${port}: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    server.close();
  }
}
