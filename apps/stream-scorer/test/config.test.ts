import { loadProjectConfig } from '@fraudops/config';
import { describe, expect, it } from 'vitest';
import { loadScorerSettings } from '../src/config.ts';

describe('loadScorerSettings', () => {
  const project = loadProjectConfig();
  const { kafka, gateway, streamScorer } = project.stack;

  it('takes the config file: Kafka, the gateway as the scoring URL, the group and batching bounds', () => {
    const settings = loadScorerSettings({});
    expect(settings).toMatchObject({
      bootstrapBrokers: [`${kafka.host}:${kafka.port}`],
      topics: kafka.topics,
      groupId: streamScorer.groupId,
      scoringUrl: `http://${gateway.host}:${gateway.port}`,
      // The gateway balances each request: no discovery.
      scoringResolveIntervalMs: 0,
      maxBatchSize: streamScorer.maxBatchSize,
      maxBatchWaitMs: streamScorer.maxBatchWaitMs,
      maxBatchesInFlight: streamScorer.maxBatchesInFlight,
      batchMaxItems: project.scoringApi.batchMaxItems,
      http: { host: streamScorer.host, port: streamScorer.port },
    });
  });

  it('lets the environment override per process', () => {
    const settings = loadScorerSettings({
      HOST: '0.0.0.0',
      PORT: '0',
      KAFKA_BROKERS: 'a:1, b:2',
      SCORING_URL: 'http://replica:18101',
      SCORING_RESOLVE_INTERVAL_MS: '2000',
      GROUP_ID: 'other',
      MAX_BATCH_SIZE: '10',
      MAX_BATCH_WAIT_MS: '5',
      MAX_BATCHES_IN_FLIGHT: '2',
      SHUTDOWN_TIMEOUT_MS: '1000',
    });
    expect(settings).toMatchObject({
      bootstrapBrokers: ['a:1', 'b:2'],
      scoringUrl: 'http://replica:18101',
      scoringResolveIntervalMs: 2000,
      groupId: 'other',
      maxBatchSize: 10,
      maxBatchWaitMs: 5,
      maxBatchesInFlight: 2,
      http: { host: '0.0.0.0', port: 0 },
      shutdownTimeoutMs: 1000,
    });
  });

  it.each([
    [{ PORT: '70000' }, /PORT must be an integer from 0 to 65535/],
    [{ MAX_BATCH_SIZE: '0' }, /MAX_BATCH_SIZE must be an integer from 1/],
    [{ MAX_BATCHES_IN_FLIGHT: 'many' }, /MAX_BATCHES_IN_FLIGHT must be an integer/],
    [{ KAFKA_BROKERS: 'localhost' }, /KAFKA_BROKERS must be host:port/],
    [{ SCORING_URL: 'ftp://x' }, /SCORING_URL must be an http\(s\) URL/],
    [{ GROUP_ID: ' ' }, /GROUP_ID must not be empty/],
    [
      { SCORING_RESOLVE_INTERVAL_MS: '100' },
      /SCORING_RESOLVE_INTERVAL_MS must be 0 or an integer from 250 to 60000/,
    ],
    [{ SCORING_RESOLVE_INTERVAL_MS: '2s' }, /SCORING_RESOLVE_INTERVAL_MS must be 0 or an integer/],
    [
      { SCORING_URL: 'http://10.0.0.7:8080', SCORING_RESOLVE_INTERVAL_MS: '2000' },
      /SCORING_RESOLVE_INTERVAL_MS needs a DNS name in SCORING_URL .*"10\.0\.0\.7"/,
    ],
    [
      { SCORING_URL: 'http://[fd00::7]:8080', SCORING_RESOLVE_INTERVAL_MS: '2000' },
      /SCORING_RESOLVE_INTERVAL_MS needs a DNS name in SCORING_URL/,
    ],
    [
      { SCORING_URL: 'https://scoring-api-headless:8080', SCORING_RESOLVE_INTERVAL_MS: '2000' },
      /SCORING_RESOLVE_INTERVAL_MS needs an http: SCORING_URL/,
    ],
  ])('refuses %o with a message naming the variable', (env, message) => {
    expect(() => loadScorerSettings(env)).toThrow(message);
  });
});
