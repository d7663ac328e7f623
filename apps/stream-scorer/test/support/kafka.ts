// A real single-node KRaft broker for tests: its own temp dir and free ports, started from the jars that
// scripts/setup resolves, as packages/stack's own test does.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repositoryRoot } from '@fraudops/config';
import {
  freePort,
  kafkaDaemonSpec,
  kafkaSettingsIn,
  prepareKafka,
  waitForKafka,
  type KafkaSettings,
} from '@fraudops/stack';
import { Admin, ConfigResourceTypes, IncrementalAlterConfigOperationTypes } from '@platformatic/kafka';

export const kafkaLibsDir = join(repositoryRoot, '.tools', 'kafka', 'libs');
export const kafkaAvailable = (): boolean => existsSync(kafkaLibsDir);

export interface TestBroker {
  bootstrap: string;
  /** Everything the JVM wrote to stdout/stderr, for failure messages. */
  output: () => string;
  stop: () => Promise<void>;
}

export async function startBroker(): Promise<TestBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'fraudops-scorer-kafka-'));
  const settings: KafkaSettings = kafkaSettingsIn(dir, {
    endpoint: { host: '127.0.0.1', port: await freePort(), controllerPort: await freePort() },
    logsDir: join(dir, 'logs'),
    libsDir: kafkaLibsDir,
    topics: [],
  });
  await prepareKafka(settings);
  const spec = kafkaDaemonSpec(settings);
  const broker: ChildProcess = spawn(spec.command, spec.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  broker.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  broker.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(broker, 'exit');
  const stop = async (): Promise<void> => {
    if (broker.exitCode === null && broker.signalCode === null) {
      broker.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForKafka(settings.host, settings.port, 60_000, {
      stillRunning: () => broker.exitCode === null,
    });
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${output}`, { cause: error });
  }
  return { bootstrap: `${settings.host}:${settings.port}`, output: () => output, stop };
}

export interface TestTopics {
  transactions: string;
  scores: string;
  deadLetter: string;
}

/** The stack's topic names under a prefix, so that tests sharing a broker do not meet. */
export const topicNames = (prefix: string): TestTopics => ({
  transactions: `${prefix}.transactions`,
  scores: `${prefix}.scores`,
  deadLetter: `${prefix}.transactions.dead-letter`,
});

/** Creates the topics with the stack's partition counts (6, 3, 1); `prefix` names them via topicNames. */
export async function createTopics(bootstrap: string, prefix: string | TestTopics): Promise<TestTopics> {
  const topics = typeof prefix === 'string' ? topicNames(prefix) : prefix;
  const admin = new Admin({ clientId: 'stream-scorer-test', bootstrapBrokers: [bootstrap] });
  try {
    await admin.createTopics({ topics: [topics.transactions], partitions: 6, replicas: 1 });
    await admin.createTopics({ topics: [topics.scores], partitions: 3, replicas: 1 });
    await admin.createTopics({ topics: [topics.deadLetter], partitions: 1, replicas: 1 });
  } finally {
    await admin.close();
  }
  return topics;
}

/** Each topic's `max.message.bytes` as the broker reports it. */
export async function maxMessageBytes(bootstrap: string, topics: readonly string[]): Promise<number[]> {
  const admin = new Admin({ clientId: 'stream-scorer-test', bootstrapBrokers: [bootstrap] });
  try {
    const described = await admin.describeConfigs({
      resources: topics.map((resourceName) => ({ resourceType: ConfigResourceTypes.TOPIC, resourceName })),
    });
    return topics.map((topic) =>
      Number(
        described.find((d) => d.resourceName === topic)?.configs.find((c) => c.name === 'max.message.bytes')
          ?.value,
      ),
    );
  } finally {
    await admin.close();
  }
}

/** Sets the topic's `max.message.bytes`, as an operator would. */
export async function setMaxMessageBytes(bootstrap: string, topic: string, bytes: number): Promise<void> {
  const admin = new Admin({ clientId: 'stream-scorer-test', bootstrapBrokers: [bootstrap] });
  try {
    await admin.incrementalAlterConfigs({
      resources: [
        {
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: topic,
          configs: [
            {
              name: 'max.message.bytes',
              configOperation: IncrementalAlterConfigOperationTypes.SET,
              value: String(bytes),
            },
          ],
        },
      ],
    });
  } finally {
    await admin.close();
  }
}
