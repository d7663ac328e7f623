// The scorer's Prometheus metrics. Their names and labels are a contract: the stack's rules and dashboards
// query them. Lag is exported in kafka_exporter's dialect (kafka_consumergroup_lag,
// kafka_topic_partition_current_offset) so that the same queries read this and a production kafka-exporter.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { deadLetterCodes, type DeadLetterCode } from './events.ts';
import type { LagSnapshot } from './lag.ts';
import { retryCauses, type RetryCause } from './scoring-answer.ts';

/** The exported series' names: the contract the stack's Prometheus rules and dashboards query. */
export const metricNames = {
  consumed: 'stream_scorer_events_consumed_total',
  scored: 'stream_scorer_events_scored_total',
  deadLettered: 'stream_scorer_events_dead_lettered_total',
  retries: 'stream_scorer_scoring_retries_total',
  batchDuration: 'stream_scorer_batch_duration_seconds',
  batchSize: 'stream_scorer_batch_size',
  batchesInFlight: 'stream_scorer_batches_in_flight',
  scoringUpstreams: 'stream_scorer_scoring_upstreams',
  resolveFailures: 'stream_scorer_scoring_resolve_failures_total',
  consumerGroupLag: 'kafka_consumergroup_lag',
  partitionCurrentOffset: 'kafka_topic_partition_current_offset',
} as const;

export interface ScorerMetrics {
  registry: Registry;
  consumed: Counter;
  scored: Counter;
  deadLettered: Counter<'code'>;
  retries: Counter<'cause'>;
  batchDuration: Histogram;
  batchSize: Histogram;
  batchesInFlight: Gauge;
  resolveFailures: Counter;
}

export interface MetricsOptions {
  registry?: Registry;
  /** Node.js and process metrics; once per registry. */
  defaultMetrics?: boolean;
  /** The lag figures, at most a second old; called on every scrape. */
  lag: () => Promise<LagSnapshot | null>;
  /** Batches being scored now, read at scrape time. */
  inFlight: () => number;
  /** Scoring-api origins the batches are balanced over now, read at scrape time. */
  upstreams: () => number;
}

export function createMetrics(options: MetricsOptions): ScorerMetrics {
  const registry = options.registry ?? new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const consumed = new Counter({
    name: metricNames.consumed,
    help: 'Events read from the transactions topic (redeliveries after a rebalance or restart included).',
    registers,
  });
  const scored = new Counter({
    name: metricNames.scored,
    help: 'Scores written to the scores topic.',
    registers,
  });
  const deadLettered = new Counter({
    name: metricNames.deadLettered,
    help: 'Events written to the dead-letter topic, by code (invalid_json, invalid_event, rejected_by_api).',
    labelNames: ['code'] as const,
    registers,
  });
  const retries = new Counter({
    name: metricNames.retries,
    help: 'Scoring requests sent again, by cause (rate_limited, server_error, network).',
    labelNames: ['cause'] as const,
    registers,
  });
  const batchDuration = new Histogram({
    name: metricNames.batchDuration,
    help: 'From a batch being sent for scoring to its scores and dead letters being written, retries included.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const batchSize = new Histogram({
    name: metricNames.batchSize,
    help: 'Events per batch (valid and invalid).',
    buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000],
    registers,
  });
  const batchesInFlight = new Gauge({
    name: metricNames.batchesInFlight,
    help: 'Batches being scored or written now.',
    registers,
    collect() {
      this.set(options.inFlight());
    },
  });
  new Gauge({
    name: metricNames.scoringUpstreams,
    help: 'Scoring-api origins the batches are spread over: every ready replica with discovery, else 1.',
    registers,
    collect() {
      this.set(options.upstreams());
    },
  });
  const resolveFailures = new Counter({
    name: metricNames.resolveFailures,
    help: "Failed or empty resolutions of the scoring API's headless Service (the replicas last known stay).",
    registers,
  });
  // Every series exists from the start, so that rate() and alerts see a 0 rather than nothing.
  for (const code of deadLetterCodes) deadLettered.labels({ code }).inc(0);
  for (const cause of retryCauses) retries.labels({ cause }).inc(0);

  new Gauge({
    name: metricNames.consumerGroupLag,
    help: "Log-end offset minus the group's committed offset, per partition this scorer is assigned.",
    labelNames: ['consumergroup', 'topic', 'partition'] as const,
    registers,
    async collect() {
      const snapshot = await options.lag();
      // Reset first: partitions that moved to another scorer must not keep their last figure here.
      this.reset();
      for (const row of snapshot?.lag ?? [])
        this.set({ consumergroup: row.group, topic: row.topic, partition: String(row.partition) }, row.lag);
    },
  });
  new Gauge({
    name: metricNames.partitionCurrentOffset,
    help: 'Log-end offset of every partition of the transactions topic.',
    labelNames: ['topic', 'partition'] as const,
    registers,
    async collect() {
      const snapshot = await options.lag();
      this.reset();
      for (const row of snapshot?.endOffsets ?? [])
        this.set({ topic: row.topic, partition: String(row.partition) }, row.offset);
    },
  });

  return {
    registry,
    consumed,
    scored,
    deadLettered: deadLettered,
    retries: retries,
    batchDuration,
    batchSize,
    batchesInFlight,
    resolveFailures,
  };
}

export const countDeadLetter = (metrics: ScorerMetrics, code: DeadLetterCode, n = 1): void => {
  metrics.deadLettered.labels({ code }).inc(n);
};

export const countRetry = (metrics: ScorerMetrics, cause: RetryCause): void => {
  metrics.retries.labels({ cause }).inc();
};
