// The I/O around the pure renderers: writing Kafka's configuration, formatting its storage once, and
// creating the topics. The broker itself runs as a daemon (kafkaDaemonSpec) like every other component.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  createTopicCommand,
  describeTopicCommand,
  formatStorageCommand,
  parsePartitionCount,
  type JavaCommand,
} from './kafka-commands.ts';
import {
  clusterIdFrom,
  renderLog4j2,
  renderServerProperties,
  type KafkaSettings,
  type KafkaTopic,
} from './kafka-config.ts';

const exec = promisify(execFile);

async function run(what: string, { command, args }: JavaCommand, env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await exec(command, args, { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
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

/**
 * Creates the topics that do not exist yet. The tool takes one topic per run; the runs go in parallel, as
 * most of each is the JVM starting.
 */
export async function ensureKafkaTopics(
  s: KafkaSettings,
  topics: readonly KafkaTopic[] = s.topics,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  await Promise.all(
    topics.map((topic) =>
      run(`creating the Kafka topic ${topic.name}`, createTopicCommand(s, topic, env), env),
    ),
  );
}

/** The topic's partition count as the broker reports it. */
export async function topicPartitionCount(
  s: KafkaSettings,
  topic: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const output = await run(`describing the Kafka topic ${topic}`, describeTopicCommand(s, topic, env), env);
  const count = parsePartitionCount(output, topic);
  if (count === null) throw new Error(`no partition count for ${topic} in: ${output.slice(0, 300)}`);
  return count;
}
