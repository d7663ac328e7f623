// Starts the receiver. SIGTERM/SIGINT: stop accepting, finish the notifications being written, exit 0.
import { once } from 'node:events';
import { loadReceiverConfig } from './config.ts';
import { createReceiverServer } from './receiver.ts';

const config = loadReceiverConfig();
const print = (line: string): void => {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
};
const server = createReceiverServer({ notificationsFile: config.notificationsFile, print });

let stopping = false;
function shutdown(signal: string): void {
  if (stopping) return;
  stopping = true;
  print(`${signal}: stopping`);
  // Alertmanager keeps connections alive between notifications: idle ones would hold close() open.
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(1), 5000).unref();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

server.listen(config.port, config.host);
try {
  await once(server, 'listening');
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'EADDRINUSE' ? `port ${config.port} on ${config.host} is already in use` : String(error);
  process.stderr.write(`alert-receiver cannot start: ${reason}\n`);
  process.exit(1);
}
const address = server.address();
const port = typeof address === 'object' && address !== null ? address.port : config.port;
print(`alert-receiver listening on http://${config.host}:${port}/, recording to ${config.notificationsFile}`);
