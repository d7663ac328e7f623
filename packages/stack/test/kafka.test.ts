// Kafka in the embedded stack: the rendered configuration, the command lines, the health check, and a real
// single-node KRaft broker started from the jars that scripts/setup resolves, its topics created and checked
// through the Admin client.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProjectConfig, repositoryRoot } from '@fraudops/config';
import { Admin, ConfigResourceTypes, ConfigSources } from '@platformatic/kafka';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/ports.ts';
import {
  clusterIdFrom,
  ensureKafkaTopics,
  formatStorageCommand,
  isFormatted,
  isKafkaHealthy,
  kafkaDaemonSpec,
  kafkaSettingsIn,
  kafkaTopics,
  prepareKafka,
  renderLog4j2,
  renderServerProperties,
  topicPartitionCount,
  waitForKafka,
  type KafkaSettings,
  type KafkaTopic,
} from '../src/kafka/index.ts';

const libsDir = join(repositoryRoot, '.tools', 'kafka', 'libs');
const topics = kafkaTopics(loadProjectConfig().stack.kafka.topics);

function settingsIn(dir: string, ports: { port: number; controllerPort: number }): KafkaSettings {
  return kafkaSettingsIn(dir, {
    endpoint: { host: '127.0.0.1', ...ports },
    logsDir: join(dir, 'logs'),
    libsDir,
    topics,
  });
}

function topicNamed(name: string): KafkaTopic {
  const topic = topics.find((t) => t.name === name);
  if (topic === undefined) throw new Error(`no topic ${name} in the configured topics`);
  return topic;
}

const parse = (text: string): Map<string, string> =>
  new Map(
    text
      .split('\n')
      .filter((line) => line.includes('=') && !line.startsWith('#'))
      .map(
        (line) =>
          [line.slice(0, line.indexOf('=')).trim(), line.slice(line.indexOf('=') + 1).trim()] as const,
      ),
  );

describe('server.properties', () => {
  const s = settingsIn('/state/kafka', { port: 19092, controllerPort: 19094 });
  const props = parse(renderServerProperties(s));

  it('is one combined KRaft node on loopback, its controller off Alertmanager’s 9093', () => {
    expect(props.get('process.roles')).toBe('broker,controller');
    expect(props.get('controller.quorum.voters')).toBe('1@127.0.0.1:19094');
    expect(props.get('listeners')).toBe('PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19094');
    expect(props.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:19092');
    expect(props.get('controller.listener.names')).toBe('CONTROLLER');
    expect(renderServerProperties(s)).not.toContain(':9093');
  });

  it('keeps data under the state folder, one replica everywhere, no auto-created topics', () => {
    expect(props.get('log.dirs')).toBe('/state/kafka/data');
    expect(props.get('auto.create.topics.enable')).toBe('false');
    expect(props.get('offsets.topic.replication.factor')).toBe('1');
    expect(props.get('transaction.state.log.replication.factor')).toBe('1');
    expect(props.get('transaction.state.log.min.isr')).toBe('1');
    expect(Number(props.get('log.retention.hours'))).toBeGreaterThan(0);
    expect(Number(props.get('log.segment.bytes'))).toBeLessThan(Number(props.get('log.retention.bytes')));
  });

  it('has no key twice', () => {
    const keys = renderServerProperties(s)
      .split('\n')
      .filter((line) => line.includes('=') && !line.startsWith('#'))
      .map((line) => line.split('=')[0]);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('log4j2 configuration', () => {
  it('sends the server’s logs to files beside the stack’s logs and only errors to stdout', () => {
    const text = renderLog4j2('server', '/state/logs');
    expect(text).toContain('appender.server.fileName=/state/logs/kafka-server.log');
    expect(text).toContain('appender.controller.fileName=/state/logs/kafka-controller.log');
    expect(text).toContain('appender.console.filter.threshold.level=error');
    expect(text).toContain('rootLogger.appenderRef.file.ref=SERVER');
  });

  it('keeps the tools’ stdout for their answers', () => {
    const text = renderLog4j2('tools', '/state/logs');
    expect(text).toContain('appender.console.target=SYSTEM_ERR');
    expect(text).not.toContain('RollingFile');
  });
});

describe('command lines', () => {
  const s = settingsIn('/state/kafka', { port: 19092, controllerPort: 19094 });

  it('runs the broker from the resolved jars with a small heap and its own log config', () => {
    const spec = kafkaDaemonSpec(s, {});
    expect(spec.command).toBe('java');
    expect(spec.args).toContain('-Xmx512m');
    expect(spec.args).toContain(`-Dlog4j2.configurationFile=${s.serverLog4j}`);
    expect(spec.args.slice(-4)).toEqual(['-cp', join(libsDir, '*'), 'kafka.Kafka', s.serverProperties]);
  });

  it('uses $JAVA_HOME when set', () => {
    expect(kafkaDaemonSpec(s, { JAVA_HOME: '/opt/jdk' }).command).toBe('/opt/jdk/bin/java');
  });

  it('formats with the generated cluster id and tolerates a formatted folder', () => {
    const { args } = formatStorageCommand(s, 'MkU3OEVBNTcwNTJENDM2Qk', {});
    expect(args.slice(args.indexOf('kafka.tools.StorageTool'))).toEqual([
      'kafka.tools.StorageTool',
      'format',
      '--config',
      s.serverProperties,
      '--cluster-id',
      'MkU3OEVBNTcwNTJENDM2Qk',
      '--ignore-formatted',
    ]);
  });

  it('declares transactions with at least 6 partitions, scores, labels and the two dead-letter topics', () => {
    expect(topics.map((t) => t.name)).toEqual([
      'transactions',
      'scores',
      'transactions.dead-letter',
      'labels',
      'lake.dead-letter',
    ]);
    expect(topicNamed('transactions').partitions).toBeGreaterThanOrEqual(6);
  });
});

describe('cluster id', () => {
  it('is 16 bytes in URL-safe base64, never starting with a dash', () => {
    expect(clusterIdFrom(new Uint8Array(16).fill(0xab))).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(clusterIdFrom(new Uint8Array(16).fill(0xfb))).toBeNull(); // base64url of 0xfb… starts with '-'
    expect(() => clusterIdFrom(new Uint8Array(8))).toThrow(/16 bytes/);
  });
});

/** A server on a free loopback port; `onSocket` decides what it does with a connection. */
async function serve(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onSocket).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port };
}

async function elapsed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await work();
  return { result, ms: performance.now() - start };
}

describe('Kafka health check', () => {
  it('answers false at once on a closed port', async () => {
    const closed = await freePort();
    const { result, ms } = await elapsed(() => isKafkaHealthy('127.0.0.1', closed));
    expect(result).toBe(false);
    expect(ms).toBeLessThan(2000);
  });

  it('answers false fast against something that is not Kafka', async () => {
    const { server, port } = await serve((socket) => {
      socket.resume(); // read, so that the client's close is noticed and the server can close
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    try {
      const { result, ms } = await elapsed(() => isKafkaHealthy('127.0.0.1', port));
      expect(result).toBe(false);
      expect(ms).toBeLessThan(2000);
      await expect(waitForKafka('127.0.0.1', port, 600)).rejects.toThrow(/not ready after/);
    } finally {
      server.close();
    }
  });

  it('reports why it stopped waiting when the broker process is gone', async () => {
    const closed = await freePort();
    await expect(waitForKafka('127.0.0.1', closed, 5000, { stillRunning: () => false })).rejects.toThrow(
      /exited/,
    );
  });

  it('gives up within 2 s on a silent server and leaves no socket or timer behind', async () => {
    // The server accepts and never answers nor closes: only the client can end those connections.
    const sockets: Socket[] = [];
    const { server, port } = await serve((socket) => sockets.push(socket));
    try {
      const report = await healthChecksInOwnProcess([await freePort(), port]);
      expect(report.results).toEqual([false, false]);
      expect(report.checkMs).toBeLessThan(2000);
      expect(report.lingeredMs).toBeLessThan(200);
      expect(sockets.length).toBeGreaterThan(0); // the check did reach the silent server
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });
});

/**
 * Runs isKafkaHealthy on each port in a Node process of its own, which must then exit by itself: a socket or
 * a timer the check left open would keep it alive. Returns the answers, how long the checks took and how long
 * the process lived on after them.
 */
async function healthChecksInOwnProcess(
  ports: readonly number[],
): Promise<{ results: boolean[]; checkMs: number; lingeredMs: number }> {
  const module = new URL('../src/kafka/kafka-health.ts', import.meta.url).href;
  const script = `
    import { isKafkaHealthy } from ${JSON.stringify(module)};
    const start = performance.now();
    const results = [];
    for (const port of ${JSON.stringify(ports)}) results.push(await isKafkaHealthy('127.0.0.1', port));
    const done = performance.now();
    process.on('exit', () =>
      console.log(JSON.stringify({ results, checkMs: done - start, lingeredMs: performance.now() - done })),
    );`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  try {
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    expect({ code, signal }, 'the health check kept its process alive').toEqual({ code: 0, signal: null });
    return JSON.parse(output) as { results: boolean[]; checkMs: number; lingeredMs: number };
  } finally {
    clearTimeout(killer);
  }
}

/** Every topic-level config the broker reports for `topic` that was set on the topic itself. */
async function topicOverrides(admin: Admin, topic: string): Promise<Record<string, unknown>> {
  const [description] = await admin.describeConfigs({
    resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }],
  });
  if (description === undefined) throw new Error(`no configs for ${topic}`);
  return Object.fromEntries(
    description.configs
      .filter((c) => c.configSource === ConfigSources.DYNAMIC_TOPIC_CONFIG)
      .map((c) => [c.name, c.value]),
  );
}

describe.skipIf(!existsSync(libsDir))('a real single-node KRaft broker', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it(
    'formats once, starts healthy, gets its topics and stops cleanly on SIGTERM',
    { timeout: 90_000 },
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'fraudops-kafka-'));
      dirs.push(dir);
      const s = settingsIn(dir, { port: await freePort(), controllerPort: await freePort() });
      const timings: Record<string, number> = {};
      const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
        const start = performance.now();
        const result = await work();
        timings[name] = Math.round(performance.now() - start);
        return result;
      };

      expect(await timed('format', () => prepareKafka(s))).toBe(true);
      expect(isFormatted(s)).toBe(true);
      expect(await timed('prepare again', () => prepareKafka(s))).toBe(false);

      const spec = kafkaDaemonSpec(s);
      const broker = spawn(spec.command, spec.args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      broker.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      broker.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = once(broker, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      try {
        await timed('start to healthy', () =>
          waitForKafka(s.host, s.port, 45_000, { stillRunning: () => broker.exitCode === null }),
        );
        expect(await isKafkaHealthy(s.host, s.port)).toBe(true);
        const ownProcess = await healthChecksInOwnProcess([s.port]);
        expect(ownProcess.results).toEqual([true]);
        expect(ownProcess.lingeredMs).toBeLessThan(200);
        await timed('create topics', () => ensureKafkaTopics(s));
        await timed('create topics again', () => ensureKafkaTopics(s));
        expect(await timed('describe', () => topicPartitionCount(s, 'transactions'))).toBe(
          topicNamed('transactions').partitions,
        );

        // Checked with a client of the test's own: every topic with its partitions and its overrides, which
        // differ from the broker's defaults (e.g. retention.ms: hours, not server.properties' 24 h).
        const admin = new Admin({ clientId: 'kafka-test', bootstrapBrokers: [`${s.host}:${s.port}`] });
        try {
          const metadata = await admin.metadata({ topics: topics.map((t) => t.name) });
          for (const topic of topics) {
            expect(metadata.topics.get(topic.name)?.partitionsCount, topic.name).toBe(topic.partitions);
            expect(await topicOverrides(admin, topic.name), topic.name).toEqual(topic.configs);
          }
          expect(topicNamed('transactions').configs['retention.ms']).not.toBe(String(24 * 3600 * 1000));

          // Several `up`s at once: each lists the topic as missing and creates it; the losers are told
          // TOPIC_ALREADY_EXISTS, which is not an error.
          const extra: KafkaTopic = {
            name: 'extra',
            partitions: 2,
            configs: { 'cleanup.policy': 'compact' },
          };
          await Promise.all([1, 2, 3].map(() => ensureKafkaTopics(s, [extra])));
          expect(await topicPartitionCount(s, 'extra')).toBe(2);
          expect(await topicOverrides(admin, 'extra')).toEqual({ 'cleanup.policy': 'compact' });
        } finally {
          await admin.close();
        }

        // Errors name the topic and carry the broker's reason.
        const bad: KafkaTopic = { name: 'bad', partitions: 1, configs: { 'retention.ms': 'soon' } };
        await expect(ensureKafkaTopics(s, [bad])).rejects.toThrow(
          /creating the Kafka topic bad: .*retention\.ms/,
        );
        await expect(topicPartitionCount(s, 'missing')).rejects.toThrow(
          /describing the Kafka topic missing: Unknown topic/,
        );
      } catch (error) {
        broker.kill('SIGTERM');
        await exited; // or afterAll would remove the folder while the broker still writes into it
        throw error;
      }
      broker.kill('SIGTERM');
      const stopStart = performance.now();
      const [code, signal] = await exited;
      timings['SIGTERM to exit'] = Math.round(performance.now() - stopStart);
      console.log(`kafka timings (ms): ${JSON.stringify(timings)}`);
      expect(await isKafkaHealthy(s.host, s.port)).toBe(false);

      // Kafka stops in order in its shutdown hook; a JVM ended by SIGTERM then exits with 128 + 15 whatever the
      // hooks did, so the log and the clean-shutdown marker tell a clean stop from a crash.
      expect({ code, signal }, output).toEqual({ code: 143, signal: null });
      expect(output.trim(), 'the broker wrote to stdout/stderr').toBe('');
      const serverLog = readFileSync(join(s.logsDir, 'kafka-server.log'), 'utf8');
      expect(serverLog).toContain('Kafka Server started');
      expect(serverLog).toContain('[BrokerServer id=1] shut down completed');
      // Kafka leaves this marker only after flushing and closing every log: the next start skips recovery.
      expect(readdirSync(s.dataDir)).toEqual(
        expect.arrayContaining([
          '.kafka_cleanshutdown',
          'meta.properties',
          'transactions-5',
          'transactions.dead-letter-0',
        ]),
      );
    },
  );
});
