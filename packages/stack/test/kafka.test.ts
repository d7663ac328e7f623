// Kafka in the embedded stack: the rendered configuration, the command lines, the protocol health check, and
// a real single-node KRaft broker started from the jars that scripts/setup resolves.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProjectConfig, repositoryRoot } from '@fraudops/config';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/ports.ts';
import {
  clusterIdFrom,
  createTopicCommand,
  decodeMetadataBrokerCount,
  encodeMetadataRequest,
  ensureKafkaTopics,
  formatStorageCommand,
  isFormatted,
  kafkaDaemonSpec,
  kafkaTopics,
  parsePartitionCount,
  prepareKafka,
  queryBrokerCount,
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
  return {
    host: '127.0.0.1',
    ...ports,
    nodeId: 1,
    dir,
    dataDir: join(dir, 'data'),
    serverProperties: join(dir, 'server.properties'),
    serverLog4j: join(dir, 'log4j2.properties'),
    toolsLog4j: join(dir, 'tools-log4j2.properties'),
    logsDir: join(dir, 'logs'),
    libsDir,
    topics,
  };
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

  it('creates topics idempotently with their partitions and overrides', () => {
    const { args } = createTopicCommand(s, topicNamed('transactions.dead-letter'), {});
    expect(args).toContain('--if-not-exists');
    expect(args.join(' ')).toContain('--bootstrap-server 127.0.0.1:19092');
    expect(args.join(' ')).toContain('--config retention.ms=');
  });

  it('declares transactions with at least 6 partitions, scores and a dead-letter topic', () => {
    expect(topics.map((t) => t.name)).toEqual(['transactions', 'scores', 'transactions.dead-letter']);
    expect(topicNamed('transactions').partitions).toBeGreaterThanOrEqual(6);
  });

  it('reads the partition count from the describe output', () => {
    const output =
      'Topic: transactions\tTopicId: Qb6o1bEYQ9mYF3cU0Zl4Kw\tPartitionCount: 6\tReplicationFactor: 1\tConfigs: segment.bytes=134217728\n' +
      '\tTopic: transactions\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\n';
    expect(parsePartitionCount(output, 'transactions')).toBe(6);
    expect(parsePartitionCount(output, 'scores')).toBeNull();
  });
});

describe('cluster id', () => {
  it('is 16 bytes in URL-safe base64, never starting with a dash', () => {
    expect(clusterIdFrom(new Uint8Array(16).fill(0xab))).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(clusterIdFrom(new Uint8Array(16).fill(0xfb))).toBeNull(); // base64url of 0xfb… starts with '-'
    expect(() => clusterIdFrom(new Uint8Array(8))).toThrow(/16 bytes/);
  });
});

describe('Metadata health check codec', () => {
  it('encodes a size-prefixed Metadata v12 request for no topics', () => {
    const request = encodeMetadataRequest(7, 'x');
    expect(request.readInt32BE(0)).toBe(request.length - 4);
    expect(request.readInt16BE(4)).toBe(3); // Metadata
    expect(request.readInt16BE(6)).toBe(12);
    expect(request.readInt32BE(8)).toBe(7);
    expect(request.subarray(12).toString('hex')).toBe('0001' + '78' + '00' + '01000000');
  });

  it('counts the brokers of a response, skipping header tagged fields', () => {
    const frame = Buffer.from([
      ...[0, 0, 0, 7], // correlation id
      ...[1, 5, 2, 0xaa, 0xbb], // one tagged field: tag 5, 2 bytes
      ...[0, 0, 0, 0], // throttle
      2, // one broker (compact array length + 1)
    ]);
    expect(decodeMetadataBrokerCount(frame)).toEqual({ correlationId: 7, brokers: 1 });
  });

  it('fails fast against something that is not Kafka', async () => {
    const server = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')).listen(
      0,
      '127.0.0.1',
    );
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    await expect(queryBrokerCount('127.0.0.1', port)).rejects.toThrow();
    await expect(waitForKafka('127.0.0.1', port, 600)).rejects.toThrow(/not ready after/);
    server.close();
  });
});

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
        await timed('create topics', () => ensureKafkaTopics(s));
        await timed('create topics again', () => ensureKafkaTopics(s));
        expect(await timed('describe', () => topicPartitionCount(s, 'transactions'))).toBeGreaterThanOrEqual(
          6,
        );
      } finally {
        broker.kill('SIGTERM');
      }
      const stopStart = performance.now();
      const [code, signal] = await exited;
      timings['SIGTERM to exit'] = Math.round(performance.now() - stopStart);
      console.log(`kafka timings (ms): ${JSON.stringify(timings)}`);

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
