// Kafka's own configuration files for the embedded stack, rendered from fraudops.config.json: one KRaft node
// that is both broker and controller, on loopback, with its data under the stack's state folder.
import { join } from 'node:path';
import type { ProjectConfig } from '@fraudops/config';
import type { StackLayout } from '../layout.ts';

/** `stack.kafka` in fraudops.config.json. */
export interface KafkaEndpoint {
  host: string;
  /** The broker (client) listener. */
  port: number;
  /** The KRaft controller listener; Kafka's default, 9093, is Alertmanager's too. */
  controllerPort: number;
}

export interface KafkaSettings extends KafkaEndpoint {
  nodeId: number;
  /** Generated configuration files and the formatted storage. */
  dir: string;
  /** log.dirs (the metadata log lives there too). */
  dataDir: string;
  serverProperties: string;
  serverLog4j: string;
  toolsLog4j: string;
  /** Where the broker's own log files go (the daemon log catches only errors and JVM crashes). */
  logsDir: string;
  /** The jars that scripts/setup resolved from tools/kafka/pom.xml. */
  libsDir: string;
  topics: readonly KafkaTopic[];
}

export interface KafkaTopic {
  name: string;
  partitions: number;
  /** Topic-level overrides (`--config key=value`). */
  configs: Readonly<Record<string, string>>;
}

/** `stack.kafka.topics` in fraudops.config.json. */
export interface KafkaTopicNames {
  transactions: string;
  scores: string;
  deadLetter: string;
  /** The fraud labels the world publishes when they become known (after the feedback delay). */
  labels: string;
  /** Records the lake sink could not land (they fail their contract), with the reason in a header. */
  lakeDeadLetter: string;
}

const HOUR_MS = 3600 * 1000;

/**
 * The topics the streaming path needs. `transactions` has 6 partitions so that a consumer group can spread
 * over as many consumers as the HPA's maximum of replicas. An attack in the brief's timings writes about
 * 10 GB of transactions; size and age bounds keep a laptop's disk safe (deletion works on closed segments,
 * hence the smaller segments). Dead letters are kept longer: they are what someone reads after the demo.
 */
export function kafkaTopics(names: KafkaTopicNames): KafkaTopic[] {
  const stream = {
    'retention.ms': String(2 * HOUR_MS),
    'retention.bytes': String(1024 ** 3),
    'segment.bytes': String(128 * 1024 ** 2),
  };
  return [
    { name: names.transactions, partitions: 6, configs: stream },
    { name: names.scores, partitions: 3, configs: stream },
    { name: names.deadLetter, partitions: 1, configs: { 'retention.ms': String(7 * 24 * HOUR_MS) } },
    // Labels are few (one per world transaction, none for the attack's) and are the truth the lake and the
    // quality are built on: kept a week, like dead letters, so a lake sink that was down can catch up.
    { name: names.labels, partitions: 3, configs: { 'retention.ms': String(7 * 24 * HOUR_MS) } },
    { name: names.lakeDeadLetter, partitions: 1, configs: { 'retention.ms': String(7 * 24 * HOUR_MS) } },
  ];
}

export function kafkaSettings(
  config: ProjectConfig,
  layout: StackLayout,
  endpoint: KafkaEndpoint & { topics: KafkaTopicNames },
): KafkaSettings {
  return kafkaSettingsIn(join(layout.dir, 'kafka'), {
    endpoint,
    logsDir: config.run.logsDir,
    libsDir: join(config.root, '.tools', 'kafka', 'libs'),
    topics: kafkaTopics(endpoint.topics),
  });
}

/** The file layout of one broker under `dir` (the stack's, or a test's temporary folder). */
export function kafkaSettingsIn(
  dir: string,
  s: { endpoint: KafkaEndpoint; logsDir: string; libsDir: string; topics: readonly KafkaTopic[] },
): KafkaSettings {
  return {
    host: s.endpoint.host,
    port: s.endpoint.port,
    controllerPort: s.endpoint.controllerPort,
    nodeId: 1,
    dir,
    dataDir: join(dir, 'data'),
    serverProperties: join(dir, 'server.properties'),
    serverLog4j: join(dir, 'log4j2.properties'),
    toolsLog4j: join(dir, 'tools-log4j2.properties'),
    logsDir: s.logsDir,
    libsDir: s.libsDir,
    topics: s.topics,
  };
}

export const bootstrapServers = (s: KafkaEndpoint): string => `${s.host}:${s.port}`;

const properties = (entries: readonly (readonly [string, string | number | boolean])[]): string =>
  entries.map(([key, value]) => `${key}=${String(value)}`).join('\n');

/** server.properties for a single combined (broker + controller) KRaft node. */
export function renderServerProperties(s: KafkaSettings): string {
  const broker = `PLAINTEXT://${s.host}:${s.port}`;
  const controller = `CONTROLLER://${s.host}:${s.controllerPort}`;
  return `# Rendered by fraudops (packages/stack/src/kafka) from fraudops.config.json: edit that, not this.
${properties([
  ['process.roles', 'broker,controller'],
  ['node.id', s.nodeId],
  // A static quorum of this one node: unlike a --standalone (dynamic) quorum, the controller's address is not
  // written into the formatted metadata log, so a port changed in the config just works after a restart.
  ['controller.quorum.voters', `${s.nodeId}@${s.host}:${s.controllerPort}`],
  ['listeners', `${broker},${controller}`],
  ['advertised.listeners', broker],
  ['controller.listener.names', 'CONTROLLER'],
  ['inter.broker.listener.name', 'PLAINTEXT'],
  ['listener.security.protocol.map', 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT'],
])}

# A 2-core machine shared with the whole stack: fewer threads than Kafka's defaults (3 network, 8 I/O).
${properties([
  ['num.network.threads', 2],
  ['num.io.threads', 4],
  ['num.recovery.threads.per.data.dir', 1],
  ['log.dirs', s.dataDir],
])}

# Topics are created explicitly (transactions, scores, the dead-letter topic): a typo in a client's topic
# name must fail, not create a new empty topic.
${properties([
  ['auto.create.topics.enable', false],
  ['num.partitions', 1],
  ['default.replication.factor', 1],
  ['min.insync.replicas', 1],
])}

# One node: every internal topic has one replica. Fewer partitions than the defaults (50) for the internal
# topics keep start-up and the file-handle count small; one consumer group per app needs no more.
${properties([
  ['offsets.topic.replication.factor', 1],
  ['offsets.topic.num.partitions', 6],
  ['transaction.state.log.replication.factor', 1],
  ['transaction.state.log.min.isr', 1],
  ['transaction.state.log.num.partitions', 6],
  ['share.coordinator.state.topic.replication.factor', 1],
  ['share.coordinator.state.topic.min.isr', 1],
])}

# A demo's retention: a day or 1 GiB per partition, whichever comes first, in 128 MiB segments so that old
# data can actually be deleted (a segment is removed only once it is closed).
${properties([
  ['log.retention.hours', 24],
  ['log.retention.bytes', 1024 * 1024 * 1024],
  ['log.segment.bytes', 128 * 1024 * 1024],
  ['log.retention.check.interval.ms', 60_000],
])}

# Consumers that join together (the stream scorer's replicas) start at once instead of waiting 3 s.
group.initial.rebalance.delay.ms=0
`;
}

export type Log4jTarget = 'server' | 'tools';

/**
 * Log4j 2 configuration (the properties format, which log4j-core reads with no extra jar). The server logs to
 * size-rotated files beside the stack's other logs and writes only errors to stdout, which the daemon log
 * keeps; the command-line tools print warnings to stderr and keep stdout for their answers.
 */
export function renderLog4j2(target: Log4jTarget, logsDir: string): string {
  const pattern = '[%d] %p %m (%c)%n';
  const consoleAppender = (level: string): string =>
    properties([
      ['appender.console.type', 'Console'],
      ['appender.console.name', 'CONSOLE'],
      ['appender.console.target', 'SYSTEM_ERR'],
      ['appender.console.layout.type', 'PatternLayout'],
      ['appender.console.layout.pattern', pattern],
      ['appender.console.filter.threshold.type', 'ThresholdFilter'],
      ['appender.console.filter.threshold.level', level],
    ]);
  if (target === 'tools') {
    return `# Rendered by fraudops: Kafka's command-line tools.
status=warn
${consoleAppender('warn')}
rootLogger.level=warn
rootLogger.appenderRef.console.ref=CONSOLE
`;
  }
  // Hourly rolling (Kafka's own default) never deletes anything; size-based rolling keeps the disk bounded.
  const rollingFile = (id: string, file: string): string =>
    properties([
      [`appender.${id}.type`, 'RollingFile'],
      [`appender.${id}.name`, id.toUpperCase()],
      [`appender.${id}.fileName`, join(logsDir, `${file}.log`)],
      [`appender.${id}.filePattern`, join(logsDir, `${file}.log.%i`)],
      [`appender.${id}.layout.type`, 'PatternLayout'],
      [`appender.${id}.layout.pattern`, pattern],
      [`appender.${id}.policies.type`, 'Policies'],
      [`appender.${id}.policies.size.type`, 'SizeBasedTriggeringPolicy'],
      [`appender.${id}.policies.size.size`, '20MB'],
      [`appender.${id}.strategy.type`, 'DefaultRolloverStrategy'],
      [`appender.${id}.strategy.max`, 3],
    ]);
  const routedTo = (id: string, logger: string, level: string, appender: string): string =>
    properties([
      [`logger.${id}.name`, logger],
      [`logger.${id}.level`, level],
      [`logger.${id}.additivity`, false],
      [`logger.${id}.appenderRef.file.ref`, appender],
    ]);
  return `# Rendered by fraudops: the Kafka broker and controller.
status=warn
# Log4j's own shutdown hook would race Kafka's (the JVM runs them concurrently) and stop logging halfway
# through the broker's orderly shutdown; the file appenders flush every line, so nothing waits for it.
shutdownHook=disable
${consoleAppender('error')}
${rollingFile('server', 'kafka-server')}
${rollingFile('controller', 'kafka-controller')}
rootLogger.level=info
rootLogger.appenderRef.file.ref=SERVER
rootLogger.appenderRef.console.ref=CONSOLE
# Per-request logging is for debugging only (as in Kafka's own log4j2.yaml).
${routedTo('request', 'kafka.request.logger', 'warn', 'SERVER')}
${routedTo('requestchannel', 'kafka.network.RequestChannel$', 'warn', 'SERVER')}
# The quorum controller and partition state changes are chatty and rarely what one looks for first.
${routedTo('controller', 'org.apache.kafka.controller', 'info', 'CONTROLLER')}
${routedTo('statechange', 'state.change.logger', 'info', 'CONTROLLER')}
`;
}

/**
 * A new cluster id: 16 random bytes in URL-safe base64 without padding, the form Kafka's Uuid uses. Like
 * Kafka's Uuid.randomUuid it never starts with '-', which a command line would take for an option.
 */
export function clusterIdFrom(bytes: Uint8Array): string | null {
  if (bytes.length !== 16) throw new Error(`a cluster id needs 16 bytes, got ${bytes.length}`);
  const id = Buffer.from(bytes).toString('base64url');
  return id.startsWith('-') ? null : id;
}
