// The Job's settings: environment variables set by the CronJob (deploy/k8s/base/attack/cronjob.yaml), the
// ramp's defaults shared with `fraudops attack` (ATTACK_DEFAULTS), names from fraudops.config.json. Every
// bad value stops the Job before it produces anything, with one line that names the variable.
import type { ProjectConfig } from '@fraudops/config';
import { ATTACK_DEFAULTS, type Ramp } from '../ramp.ts';

export interface ClusterAttackSettings {
  /** host:port of the bootstrap brokers, as given. */
  kafkaBrokers: string[];
  transactionsTopic: string;
  /** Base URLs without a trailing slash. */
  prometheusUrl: string;
  alertmanagerUrl: string;
  replayFile: string;
  /** The whole Job's ramp: every pod produces its share (shareOfRamp), so together they follow this one. */
  ramp: Ramp;
  /** Pods producing in parallel (the indexed Job's parallelism) and this pod's index among them. */
  pods: number;
  podIndex: number;
  maxDurationSeconds: number;
  poisonRatio: number;
  /** The Deployment under attack; its HPA has the same name (the alert selects horizontalpodautoscaler=). */
  deployment: string;
  namespace: string;
  /** The attack's own /metrics (0: any free port). */
  metricsPort: number;
  /** After the end: how long /metrics stays up so that Prometheus scrapes the final counters. */
  metricsLingerSeconds: number;
}

/** A setting the Job cannot run with; main.ts prints its message and exits 2. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

/** Every variable the Job reads, for the usage line of a SettingsError. */
export const SETTINGS_VARIABLES = [
  'KAFKA_BROKERS',
  'TRANSACTIONS_TOPIC',
  'PROMETHEUS_URL',
  'ALERTMANAGER_URL',
  'REPLAY_FILE',
  'START_RATE',
  'STEP_RATE',
  'STEP_SECONDS',
  'MAX_RATE',
  'MAX_DURATION_SECONDS',
  'POISON_RATIO',
  'ATTACK_PODS',
  'JOB_COMPLETION_INDEX',
  'DEPLOYMENT',
  'NAMESPACE',
  'METRICS_PORT',
  'METRICS_LINGER_SECONDS',
] as const;

type Env = Readonly<Record<string, string | undefined>>;

const text = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

function required(env: Env, name: string, what: string): string {
  const value = text(env, name);
  if (value === undefined) throw new SettingsError(`${name} is required: ${what}`);
  return value;
}

function number(
  env: Env,
  name: string,
  fallback: number,
  check: { min: number; max: number; minExclusive?: boolean; integer?: boolean },
): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  const low = check.minExclusive === true ? value > check.min : value >= check.min;
  if (
    !Number.isFinite(value) ||
    !low ||
    value > check.max ||
    (check.integer === true && !Number.isInteger(value))
  ) {
    const kind = check.integer === true ? 'an integer' : 'a number';
    const range = `${check.minExclusive === true ? 'above' : 'from'} ${check.min} ${check.minExclusive === true ? 'and at most' : 'to'} ${check.max}`;
    throw new SettingsError(`${name} must be ${kind} ${range}, not "${raw}"`);
  }
  return value;
}

function httpUrl(env: Env, name: string, what: string): string {
  const value = required(env, name, what);
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol))
    throw new SettingsError(`${name} must be an http(s) URL, not "${value}"`);
  return value.replace(/\/+$/, '');
}

// RFC 1123 labels (Namespace) and subdomains (Deployment names); these also go into PromQL label matchers, so
// nothing that could close a quoted string gets through.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
// Kafka's own rule for topic names.
const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
const BROKER = /^[^:\s,]+:\d{1,5}$/;

function named(env: Env, name: string, fallback: string, pattern: RegExp, what: string): string {
  const value = text(env, name) ?? fallback;
  if (!pattern.test(value)) throw new SettingsError(`${name} must be ${what}, not "${value}"`);
  return value;
}

/** Reads and checks the Job's settings; throws a SettingsError naming the first bad variable. */
export function loadClusterSettings(env: Env, config: ProjectConfig): ClusterAttackSettings {
  const brokersText = required(env, 'KAFKA_BROKERS', 'the Kafka bootstrap servers, host:port[,host:port...]');
  const kafkaBrokers = brokersText
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  if (kafkaBrokers.length === 0 || kafkaBrokers.some((broker) => !BROKER.test(broker)))
    throw new SettingsError(`KAFKA_BROKERS must be host:port[,host:port...], not "${brokersText}"`);
  const transactionsTopic = named(
    env,
    'TRANSACTIONS_TOPIC',
    config.stack.kafka.topics.transactions,
    TOPIC,
    'a Kafka topic name (letters, digits, ".", "_", "-")',
  );
  const prometheusUrl = httpUrl(env, 'PROMETHEUS_URL', 'the Prometheus that evaluates the alert rules');
  const alertmanagerUrl = httpUrl(env, 'ALERTMANAGER_URL', 'the Alertmanager Prometheus sends alerts to');
  const replayFile = required(env, 'REPLAY_FILE', 'the replay dataset (JSON lines, `fraudops replay`)');

  const d = ATTACK_DEFAULTS;
  const startRate = number(env, 'START_RATE', d.startRate, { min: 0, max: 1e7, minExclusive: true });
  const stepRate = number(env, 'STEP_RATE', d.stepRate, { min: 0, max: 1e7 });
  const stepSeconds = number(env, 'STEP_SECONDS', d.stepSeconds, { min: 0, max: 86_400, minExclusive: true });
  const maxRate = number(env, 'MAX_RATE', d.maxRate, { min: 0, max: 1e7, minExclusive: true });
  if (maxRate < startRate)
    throw new SettingsError(`MAX_RATE (${maxRate}) must be at least START_RATE (${startRate})`);
  const maxDurationSeconds = number(env, 'MAX_DURATION_SECONDS', d.maxDurationSeconds, {
    min: 0,
    max: 7 * 86_400,
    minExclusive: true,
  });
  const poisonRatio = number(env, 'POISON_RATIO', d.poisonRatio, { min: 0, max: 1 });
  // An indexed Job (completionMode: Indexed) sets JOB_COMPLETION_INDEX in each pod; ATTACK_PODS is its
  // parallelism, written beside it in the CronJob (the capacity check keeps the two equal).
  const pods = number(env, 'ATTACK_PODS', 1, { min: 1, max: 1000, integer: true });
  const podIndex = number(env, 'JOB_COMPLETION_INDEX', 0, { min: 0, max: pods - 1, integer: true });
  const deployment = named(
    env,
    'DEPLOYMENT',
    config.stack.deployment,
    DNS_SUBDOMAIN,
    'a Kubernetes object name (lower-case letters, digits, "-", ".")',
  );
  const namespace = named(
    env,
    'NAMESPACE',
    config.cloud.namespace,
    DNS_LABEL,
    'a Kubernetes namespace name (lower-case letters, digits, "-")',
  );
  const metricsPort = number(env, 'METRICS_PORT', 9464, { min: 0, max: 65_535, integer: true });
  const metricsLingerSeconds = number(env, 'METRICS_LINGER_SECONDS', 30, { min: 0, max: 600 });
  return {
    kafkaBrokers,
    transactionsTopic,
    prometheusUrl,
    alertmanagerUrl,
    replayFile,
    ramp: { startRate, stepRate, stepSeconds, maxRate },
    pods,
    podIndex,
    maxDurationSeconds,
    poisonRatio,
    deployment,
    namespace,
    metricsPort,
    metricsLingerSeconds,
  };
}
