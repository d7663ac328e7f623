// The embedded stack's components, in start order, each with how to prepare, start and health-check it.
// `fraudops up | down | status` walk this list; nothing else knows the order or the commands.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProjectConfig } from '@fraudops/config';
import type { DaemonSpec } from './daemon.ts';
import { gatewayComponent } from './gateway/gateway-component.ts';
import {
  ensureKafkaTopics,
  isKafkaHealthy,
  kafkaDaemonSpec,
  kafkaSettings,
  prepareKafka,
} from './kafka/index.ts';
import { httpOk } from './http-wait.ts';
import { mlflowComponent } from './mlflow/mlflow-server.ts';
import { airflowComponents } from './airflow/airflow-components.ts';
import { lakeSinkComponent } from './lake/lake-sink-component.ts';
import { qualityComponent } from './quality/quality-component.ts';
import { retrainTriggerComponent } from './quality/retrain-trigger-component.ts';
import { worldComponent, type WorldOptions } from './world/world-component.ts';
import type { StackLayout } from './layout.ts';
import type { Profile } from './profiles.ts';

export interface Component {
  name: string;
  description: string;
  host: string;
  port: number;
  /** The HTTP health check's path, for components that have one. */
  healthPath?: string;
  /** A health check that is not HTTP (Kafka): replaces healthPath. */
  isHealthy?: () => Promise<boolean>;
  /** False for a process that listens on no port of its own (host and port then say where its health is read). */
  listensOnPort?: boolean;
  /** Other ports it listens on, checked free before a start. */
  extraPorts?: readonly number[];
  /** Renders its configuration files; runs before every start. */
  prepare: () => Promise<void>;
  /** Runs once it is healthy, also when it was already running (Kafka: its topics, idempotent). */
  afterStart?: () => Promise<void>;
  daemon: DaemonSpec;
}

/** The component's health now: its own check, or 2xx on its health path. */
export async function componentHealthy(component: Component): Promise<boolean> {
  if (component.isHealthy) return component.isHealthy();
  return httpOk(`http://${component.host}:${component.port}${component.healthPath ?? '/'}`);
}

export interface MonitoringHooks {
  /** Writes the rule files for the profile into the directory; returns their paths. */
  writeRules: (dir: string, profile: Profile) => Promise<string[]>;
  /** Writes alertmanager.yml for the profile, with the webhook receiver at the URL. */
  writeAlertmanagerConfig: (file: string, profile: Profile, webhookUrl: string) => Promise<void>;
  /** Writes prometheus.yml. */
  writePrometheusConfig: (file: string, ruleFiles: readonly string[], profile: Profile) => Promise<void>;
}

/** Polls the component's health until it answers, it exits, or the time is up. */
export async function waitUntilHealthy(
  component: Component,
  { timeoutMs, stillRunning }: { timeoutMs: number; stillRunning: () => boolean },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!stillRunning()) throw new Error(`${component.name} exited`);
    if (await componentHealthy(component)) return;
    await sleep(200);
  }
  throw new Error(`${component.name} was not healthy after ${Math.round(timeoutMs / 1000)} s`);
}

/** What `up` may leave out or change: Airflow (optional: `retrain` runs the DAG without it) and the world. */
export interface StackOptions {
  airflow?: boolean;
  /** False: no world; the stack then scores only what others send (the attack, curl). */
  world?: boolean | WorldOptions;
}

/**
 * The stack's components in start order. The lake sink follows the stream scorer; Airflow's api-server,
 * scheduler and dag-processor come next when asked for; the world comes last, once everything that reads
 * its events runs.
 */
export function stackComponents(
  config: ProjectConfig,
  layout: StackLayout,
  profile: Profile,
  monitoring: MonitoringHooks,
  { airflow = false, world = true }: StackOptions = {},
): Component[] {
  const s = config.stack;
  const node = process.execPath;
  const address = (e: { host: string; port: number }): string => `${e.host}:${e.port}`;
  const kafka = kafkaSettings(config, layout, s.kafka);
  const core: Component[] = [
    {
      name: 'kafka',
      description: `Kafka 4 (KRaft, one node): topics ${kafka.topics.map((t) => t.name).join(', ')}`,
      host: kafka.host,
      port: kafka.port,
      extraPorts: [s.kafka.controllerPort],
      isHealthy: () => isKafkaHealthy(kafka.host, kafka.port),
      prepare: async () => {
        await prepareKafka(kafka); // renders its configs; formats the storage the first time only
      },
      afterStart: () => ensureKafkaTopics(kafka),
      daemon: kafkaDaemonSpec(kafka),
    },
    {
      name: 'prometheus',
      description: 'Prometheus: scrapes the replicas and the cluster exporter, evaluates the rules',
      ...s.prometheus,
      healthPath: '/-/ready',
      prepare: async () => {
        await mkdir(layout.prometheus.dataDir, { recursive: true });
        const ruleFiles = await monitoring.writeRules(layout.prometheus.rulesDir, profile);
        await monitoring.writePrometheusConfig(layout.prometheus.config, ruleFiles, profile);
      },
      daemon: {
        name: 'prometheus',
        command: 'prometheus',
        args: [
          `--config.file=${layout.prometheus.config}`,
          `--storage.tsdb.path=${layout.prometheus.dataDir}`,
          `--web.listen-address=${address(s.prometheus)}`,
          '--web.enable-lifecycle',
          `--rules.alert.resend-delay=${profile.alertResendDelay}`,
          '--storage.tsdb.retention.time=7d',
        ],
      },
    },
    {
      name: 'alertmanager',
      description: 'Alertmanager: routes critical alerts to the administrator',
      ...s.alertmanager,
      healthPath: '/-/ready',
      prepare: async () => {
        await mkdir(layout.alertmanager.dataDir, { recursive: true });
        await monitoring.writeAlertmanagerConfig(
          layout.alertmanager.config,
          profile,
          `http://${address(s.receiver)}/alerts`,
        );
      },
      daemon: {
        name: 'alertmanager',
        command: 'prometheus-alertmanager',
        args: [
          `--config.file=${layout.alertmanager.config}`,
          `--storage.path=${layout.alertmanager.dataDir}`,
          `--web.listen-address=${address(s.alertmanager)}`,
          // One instance: no gossip port (its default, 9094, would be one more port to collide on).
          '--cluster.listen-address=',
        ],
      },
    },
    {
      name: 'alert-receiver',
      description: 'notification receiver: records every notification Alertmanager delivers',
      ...s.receiver,
      healthPath: '/health',
      prepare: async () => undefined,
      daemon: {
        name: 'alert-receiver',
        command: node,
        args: [join(config.root, 'apps/alert-receiver/src/server.ts')],
        // From the one config, not from whatever HOST or PORT the user's shell exports.
        env: {
          ...process.env,
          HOST: s.receiver.host,
          PORT: String(s.receiver.port),
          NOTIFICATIONS_FILE: s.receiver.notificationsFile,
        },
      },
    },
    mlflowComponent(config),
    gatewayComponent(config, layout),
    {
      name: 'cluster',
      description: 'cluster controller: replicas, HPA twin, Kubernetes-dialect exporter',
      ...s.cluster,
      healthPath: '/health',
      prepare: async () => {
        await mkdir(layout.prometheus.dir, { recursive: true });
      },
      daemon: {
        name: 'cluster',
        command: node,
        args: [join(config.root, 'packages/stack/src/cluster/controller-main.ts')],
        env: { ...process.env, FRAUDOPS_PROFILE: profile.name },
      },
    },
    {
      name: 'stream-scorer',
      description: `stream scorer: consumer group ${s.streamScorer.groupId} scoring ${s.kafka.topics.transactions} through the gateway`,
      ...s.streamScorer,
      healthPath: '/ready',
      prepare: async () => undefined,
      daemon: {
        name: 'stream-scorer',
        command: node,
        args: [join(config.root, 'apps/stream-scorer/src/main.ts')],
      },
    },
  ];
  core.push(
    lakeSinkComponent(config, { airflow }),
    qualityComponent(config),
    retrainTriggerComponent(config, { airflow }),
  );
  return [
    ...core,
    ...(airflow ? airflowComponents(config) : []),
    ...(world === false ? [] : [worldComponent(config, profile, world === true ? {} : world)]),
  ];
}
