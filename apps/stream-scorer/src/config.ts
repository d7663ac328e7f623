// The scorer's settings: defaults from fraudops.config.json (`stack.kafka`, `stack.gateway`,
// `stack.streamScorer`, `scoringApi.batchMaxItems`), a few environment variables to override them per process.
import { isIP } from 'node:net';
import { loadProjectConfig } from '@fraudops/config';
import type { StreamScorerOptions } from './scorer.ts';

export type ScorerSettings = StreamScorerOptions & {
  http: { host: string; port: number };
  shutdownTimeoutMs: number;
};

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} must be an integer from ${min} to ${max}, not "${text}"`);
  return value;
}

/** Bounds of SCORING_RESOLVE_INTERVAL_MS when it is on: a few DNS queries a second at most, a minute at least. */
export const RESOLVE_INTERVAL_BOUNDS_MS = { min: 250, max: 60_000 } as const;

/**
 * SCORING_RESOLVE_INTERVAL_MS: 0 (the default: the gateway balances each request) or how often to resolve
 * SCORING_URL's host again, which must then be the DNS name of a headless Service (scoring-pool.ts) reached
 * over plain HTTP: the scorer dials the replicas' addresses, and no replica's certificate names those.
 */
export function resolveInterval(env: NodeJS.ProcessEnv, scoringUrl: URL): number {
  const { min, max } = RESOLVE_INTERVAL_BOUNDS_MS;
  const text = env.SCORING_RESOLVE_INTERVAL_MS;
  if (text === undefined || text === '' || text === '0') return 0;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(
      `SCORING_RESOLVE_INTERVAL_MS must be 0 or an integer from ${min} to ${max}, not "${text}"`,
    );
  if (isIP(scoringUrl.hostname.replace(/^\[|\]$/g, '')) !== 0)
    throw new Error(
      `SCORING_RESOLVE_INTERVAL_MS needs a DNS name in SCORING_URL (a headless Service), not the address "${scoringUrl.hostname}"`,
    );
  if (scoringUrl.protocol !== 'http:')
    throw new Error(
      'SCORING_RESOLVE_INTERVAL_MS needs an http: SCORING_URL: replicas are dialled by address',
    );
  return value;
}

/**
 * HOST and PORT (the /metrics server), KAFKA_BROKERS (comma-separated host:port), SCORING_URL (default: the
 * gateway), SCORING_RESOLVE_INTERVAL_MS (0), GROUP_ID, MAX_BATCH_SIZE, MAX_BATCH_WAIT_MS,
 * MAX_BATCHES_IN_FLIGHT and SHUTDOWN_TIMEOUT_MS override the config file.
 */
export function loadScorerSettings(env: NodeJS.ProcessEnv = process.env): ScorerSettings {
  const project = loadProjectConfig(env);
  const { kafka, gateway, streamScorer } = project.stack;
  const brokers = (env.KAFKA_BROKERS ?? `${kafka.host}:${kafka.port}`)
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  if (brokers.length === 0 || brokers.some((broker) => !/^[^:\s]+:\d+$/.test(broker)))
    throw new Error(`KAFKA_BROKERS must be host:port[,host:port...], not "${env.KAFKA_BROKERS ?? ''}"`);
  const scoringUrl = env.SCORING_URL ?? `http://${gateway.host}:${gateway.port}`;
  if (!URL.canParse(scoringUrl) || !/^https?:$/.test(new URL(scoringUrl).protocol))
    throw new Error(`SCORING_URL must be an http(s) URL, not "${scoringUrl}"`);
  const groupId = env.GROUP_ID ?? streamScorer.groupId;
  if (groupId.trim() === '') throw new Error('GROUP_ID must not be empty');
  return {
    bootstrapBrokers: brokers,
    topics: kafka.topics,
    groupId,
    scoringUrl,
    scoringResolveIntervalMs: resolveInterval(env, new URL(scoringUrl)),
    maxBatchSize: integer(env, 'MAX_BATCH_SIZE', streamScorer.maxBatchSize, 1, 100_000),
    maxBatchWaitMs: integer(env, 'MAX_BATCH_WAIT_MS', streamScorer.maxBatchWaitMs, 0, 60_000),
    maxBatchesInFlight: integer(env, 'MAX_BATCHES_IN_FLIGHT', streamScorer.maxBatchesInFlight, 1, 1000),
    batchMaxItems: project.scoringApi.batchMaxItems,
    requestTimeoutMs: project.scoringApi.requestTimeoutMs,
    http: {
      host: env.HOST ?? streamScorer.host,
      port: integer(env, 'PORT', streamScorer.port, 0, 65535),
    },
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 20_000, 0, 600_000),
  };
}
