// Starts the stream scorer. SIGTERM/SIGINT: stop fetching, finish the batches in flight, write, commit,
// leave the group, exit 0 (1 when the shutdown deadline forced in-flight batches to be abandoned).
import { loadScorerSettings, type ScorerSettings } from './config.ts';
import { startStreamScorer, type StreamScorer } from './scorer.ts';

const print = (line: string): void => {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
};

let settings: ScorerSettings;
let scorer: StreamScorer;
try {
  settings = loadScorerSettings();
} catch (error) {
  // Bad settings are one clear line, not a stack trace.
  process.stderr.write(`stream-scorer cannot start: ${(error as Error).message}\n`);
  process.exit(1);
}
try {
  scorer = await startStreamScorer({ ...settings, log: print });
} catch (error) {
  const e = error as NodeJS.ErrnoException;
  const reason =
    e.code === 'EADDRINUSE'
      ? `port ${settings.http.port} on ${settings.http.host} is already in use`
      : e.message;
  process.stderr.write(`stream-scorer cannot start: ${reason}\n`);
  process.exit(1);
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  print(`${signal}: shutting down`);
  // close() abandons unfinished batches at the deadline; this bounds leaving the group and closing too.
  setTimeout(() => {
    print('shutdown took too long; exiting');
    process.exit(1);
  }, settings.shutdownTimeoutMs + 10_000).unref();
  const { clean } = await scorer.close({ timeoutMs: settings.shutdownTimeoutMs });
  process.exit(clean ? 0 : 1);
}
process.once('SIGTERM', (signal) => void shutdown(signal));
process.once('SIGINT', (signal) => void shutdown(signal));
