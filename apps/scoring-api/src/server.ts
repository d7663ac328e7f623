// Starts one scoring replica. SIGTERM/SIGINT: stop accepting, let in-flight requests finish, exit 0.
import { buildApp } from './app.ts';
import { loadServiceConfig } from './config.ts';

let config: ReturnType<typeof loadServiceConfig>;
let app: Awaited<ReturnType<typeof buildApp>>;
try {
  config = loadServiceConfig();
  app = await buildApp(config);
} catch (error) {
  // Bad settings (an invalid variable, an unsupported MODEL_URI) are one clear line, not a stack trace.
  console.error(`scoring-api cannot start: ${(error as Error).message}`);
  process.exit(1);
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  app.log.info({ signal, inFlight: app.requestsInFlight() }, 'shutting down: draining in-flight requests');
  const deadline = setTimeout(() => {
    app.log.error(
      { timeoutMs: config.SHUTDOWN_TIMEOUT_MS },
      'in-flight requests did not finish in time; exiting',
    );
    process.exit(1);
  }, config.SHUTDOWN_TIMEOUT_MS);
  deadline.unref();
  await app.close();
  app.log.info('stopped');
  process.exit(0);
}
process.once('SIGTERM', (signal) => void shutdown(signal));
process.once('SIGINT', (signal) => void shutdown(signal));

try {
  await app.listen({ host: config.HOST, port: config.PORT });
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'EADDRINUSE' ? `port ${config.PORT} on ${config.HOST} is already in use` : String(error);
  app.log.fatal(`cannot start: ${reason}`);
  process.exit(1);
}
