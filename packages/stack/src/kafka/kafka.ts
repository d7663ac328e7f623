// The I/O around the pure renderers: writing Kafka's configuration, formatting its storage once (Kafka's
// storage tool, on the JVM), and creating the topics (through the Admin client, in-process). The broker
// itself runs as a daemon (kafkaDaemonSpec) like every other component.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findErrorBy, type Admin } from '@platformatic/kafka';
import { formatStorageCommand, type JavaCommand } from './kafka-commands.ts';
import {
  clusterIdFrom,
  renderLog4j2,
  renderServerProperties,
  type KafkaSettings,
  type KafkaTopic,
} from './kafka-config.ts';
import { kafkaErrorMessage, withKafkaAdmin, type KafkaClientOptions } from './kafka-health.ts';

const exec = promisify(execFile);

async function run(what: string, { command, args }: JavaCommand, env: NodeJS.ProcessEnv): Promise<void> {
  try {
    await exec(command, args, { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const e = error as Error & { stderr?: string; stdout?: string; code?: string | number };
    const detail = (e.stderr || e.stdout || e.message).trim().split('\n').slice(-5).join('\n');
    throw new Error(
      e.code === 'ENOENT'
        ? `${what}: ${command} not found (Kafka needs Java 17+; run scripts/setup)`
        : `${what}: ${detail}`,
      { cause: error },
    );
  }
}

/** The storage tool writes meta.properties into a log dir it formats; Kafka refuses to start without it. */
export const isFormatted = (s: KafkaSettings): boolean => existsSync(join(s.dataDir, 'meta.properties'));

function newClusterId(): string {
  for (;;) {
    const id = clusterIdFrom(randomBytes(16));
    if (id !== null) return id;
  }
}

/**
 * Writes server.properties and the two Log4j configurations (every time, so config changes apply on the next
 * start) and formats the storage unless it already is. Returns whether it formatted.
 */
export async function prepareKafka(s: KafkaSettings, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (!existsSync(s.libsDir))
    throw new Error(`Kafka's jars are missing from ${s.libsDir}: run scripts/setup`);
  await mkdir(s.dataDir, { recursive: true });
  await mkdir(s.logsDir, { recursive: true });
  await writeFile(s.serverProperties, renderServerProperties(s));
  await writeFile(s.serverLog4j, renderLog4j2('server', s.logsDir));
  await writeFile(s.toolsLog4j, renderLog4j2('tools', s.logsDir));
  if (isFormatted(s)) return false;
  await run('formatting the Kafka storage', formatStorageCommand(s, newClusterId(), env), env);
  return true;
}

/** The topic functions' client: a few quick retries, e.g. while a new topic's partitions get their leader. */
const TOPICS_CLIENT: KafkaClientOptions = { clientId: 'fraudops-stack', retries: 3, retryDelay: 250 };

const alreadyExists = (error: unknown): boolean =>
  error instanceof Error && findErrorBy(error, 'apiId', 'TOPIC_ALREADY_EXISTS') !== null;

async function createTopic(admin: Admin, topic: KafkaTopic): Promise<void> {
  try {
    await admin.createTopics({
      topics: [topic.name],
      partitions: topic.partitions,
      replicas: 1,
      configs: Object.entries(topic.configs).map(([name, value]) => ({ name, value })),
    });
  } catch (error) {
    if (alreadyExists(error)) return; // created by someone else since the listing
    throw new Error(`creating the Kafka topic ${topic.name}: ${kafkaErrorMessage(error)}`, { cause: error });
  }
}

/**
 * Creates the topics that do not exist yet, with their partition counts and topic-level configs. A topic that
 * exists is left as it is: its partitions and configs are not compared with the configured ones.
 */
export async function ensureKafkaTopics(
  s: KafkaSettings,
  topics: readonly KafkaTopic[] = s.topics,
): Promise<void> {
  await withKafkaAdmin(s, TOPICS_CLIENT, async (admin) => {
    let existing: Set<string>;
    try {
      existing = new Set(await admin.listTopics());
    } catch (error) {
      throw new Error(`listing the Kafka topics: ${kafkaErrorMessage(error)}`, { cause: error });
    }
    // The library applies a createTopics call's configs to every topic in it, hence one call per topic.
    const missing = topics.filter((topic) => !existing.has(topic.name));
    // Settled, not Promise.all: every topic's error is reported, and none is still in flight at the close.
    const results = await Promise.allSettled(missing.map((topic) => createTopic(admin, topic)));
    const failures = results.flatMap((result) =>
      result.status === 'rejected' ? [result.reason as Error] : [],
    );
    if (failures.length > 0)
      throw new AggregateError(failures, failures.map((error) => error.message).join('\n'));
  });
}

/** The topic's partition count as the broker reports it. */
export async function topicPartitionCount(s: KafkaSettings, topic: string): Promise<number> {
  try {
    const metadata = await withKafkaAdmin(s, TOPICS_CLIENT, (admin) => admin.metadata({ topics: [topic] }));
    const partitions = metadata.topics.get(topic)?.partitionsCount;
    if (partitions === undefined) throw new Error('the metadata does not list it');
    return partitions;
  } catch (error) {
    throw new Error(`describing the Kafka topic ${topic}: ${kafkaErrorMessage(error)}`, { cause: error });
  }
}
