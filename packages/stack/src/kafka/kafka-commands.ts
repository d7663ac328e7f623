// The `java` command lines that run Kafka from the jars in .tools/kafka/libs: the broker and the storage
// formatter (topics are created through the Admin client, see kafka.ts). Pure: they only build argument lists.
import { join } from 'node:path';
import type { DaemonSpec } from '../daemon.ts';
import type { KafkaSettings } from './kafka-config.ts';

export const KAFKA_MAIN = 'kafka.Kafka';
export const STORAGE_TOOL = 'kafka.tools.StorageTool';

export interface JavaCommand {
  command: string;
  args: string[];
}

/** `java` from $JAVA_HOME when set (as Kafka's own scripts do), else from PATH. */
export function javaBinary(env: NodeJS.ProcessEnv): string {
  return env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java';
}

/**
 * The broker's JVM: Kafka's own flags (kafka-server-start.sh, kafka-run-class.sh) with a smaller heap, since
 * the broker shares 2 cores and a few GiB with the rest of the stack; Kafka mostly uses the page cache, not
 * the heap.
 */
export const SERVER_JVM_OPTIONS: readonly string[] = [
  '-Xms128m',
  '-Xmx512m',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-Djava.awt.headless=true',
];

/** The short-lived storage tool: a small heap, the serial collector and the C1 compiler only start fastest. */
export const TOOL_JVM_OPTIONS: readonly string[] = [
  '-Xmx256m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-Djava.awt.headless=true',
];

function java(
  s: KafkaSettings,
  env: NodeJS.ProcessEnv,
  jvm: readonly string[],
  log4j: string,
  main: string,
  args: readonly string[],
): JavaCommand {
  return {
    command: javaBinary(env),
    // `dir/*` is the JVM's own wildcard for every jar in the folder; no shell expands it.
    args: [...jvm, `-Dlog4j2.configurationFile=${log4j}`, '-cp', join(s.libsDir, '*'), main, ...args],
  };
}

/** Formats the storage for a static quorum; only run when meta.properties is missing (see `isFormatted`). */
export function formatStorageCommand(
  s: KafkaSettings,
  clusterId: string,
  env: NodeJS.ProcessEnv,
): JavaCommand {
  return java(s, env, TOOL_JVM_OPTIONS, s.toolsLog4j, STORAGE_TOOL, [
    'format',
    '--config',
    s.serverProperties,
    '--cluster-id',
    clusterId,
    // A second format of a formatted folder would fail; a race with another `up` is harmless with this.
    '--ignore-formatted',
  ]);
}

export function kafkaDaemonSpec(s: KafkaSettings, env: NodeJS.ProcessEnv = process.env): DaemonSpec {
  const { command, args } = java(s, env, SERVER_JVM_OPTIONS, s.serverLog4j, KAFKA_MAIN, [s.serverProperties]);
  return { name: 'kafka', command, args, env };
}
