// Runs a command beside a private, throwaway Kafka broker: the stack's own single KRaft node (the same
// configuration `fraudops up` renders) on free loopback ports in a temporary folder, its address in
// FRAUDOPS_TEST_KAFKA_BOOTSTRAP. scripts/test runs the Python tests this way, so that their Kafka tests (the
// world's producer, the lake sink's at-least-once) run instead of skipping. Exits with the command's code.
// Usage: node packages/stack/scripts/with-broker.ts -- <command> [args...]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repositoryRoot } from '@fraudops/config';
import { kafkaDaemonSpec, kafkaSettingsIn, prepareKafka, waitForKafka } from '../src/kafka/index.ts';
import { freePort } from '../src/ports.ts';

const separator = process.argv.indexOf('--');
const [command, ...args] = separator < 0 ? [] : process.argv.slice(separator + 1);
if (command === undefined) {
  console.error('usage: node packages/stack/scripts/with-broker.ts -- <command> [args...]');
  process.exit(2);
}

const dir = await mkdtemp(join(tmpdir(), 'fraudops-test-broker-'));
const settings = kafkaSettingsIn(dir, {
  endpoint: { host: '127.0.0.1', port: await freePort(), controllerPort: await freePort() },
  logsDir: join(dir, 'logs'),
  libsDir: join(repositoryRoot, '.tools', 'kafka', 'libs'),
  topics: [], // each test creates the topics it uses
});
await prepareKafka(settings);
const spec = kafkaDaemonSpec(settings);
const broker = spawn(spec.command, spec.args, { stdio: 'ignore', env: spec.env ?? process.env });
const bootstrap = `${settings.host}:${String(settings.port)}`;
let code: number;
try {
  await waitForKafka(settings.host, settings.port, 60_000, { stillRunning: () => broker.exitCode === null });
  console.log(`[with-broker] Kafka at ${bootstrap} (${dir})`);
  const child = spawn(command, args, {
    stdio: 'inherit',
    env: { ...process.env, FRAUDOPS_TEST_KAFKA_BOOTSTRAP: bootstrap },
  });
  const [exitCode] = (await once(child, 'exit')) as [number | null];
  code = exitCode ?? 1;
} finally {
  broker.kill('SIGTERM');
  if (broker.exitCode === null) await once(broker, 'exit');
  await rm(dir, { recursive: true, force: true });
}
process.exit(code);
