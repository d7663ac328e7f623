// The scorer end to end, no mocks: a real single-node Kafka on free ports, real scoring-api processes on the
// trained test model, real transactions from the replay file, and poison events beside them.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { loadProjectConfig } from '@fraudops/config';
import type { Score, Transaction } from '@fraudops/contracts';
import { freePort, waitForHttpOk } from '@fraudops/stack';
import { createRecordsBatch } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEAD_LETTER_HEADERS,
  KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
  startStreamScorer,
  type StreamScorer,
  type StreamScorerOptions,
} from '../src/index.ts';
import { scoreBatch } from '../src/scoring-client.ts';
import { openScoringPool } from '../src/scoring-pool.ts';
import {
  createTopics,
  kafkaAvailable,
  maxMessageBytes,
  setMaxMessageBytes,
  startBroker,
  type TestBroker,
  type TestTopics,
} from './support/kafka.ts';
import { metricSum, scrape, type Sample } from './support/metrics.ts';
import { holdInFlightSlot, startScoringApi, type ScoringApiProcess } from './support/scoring-api.ts';
import {
  freshTransactions,
  groupProgress,
  headerText,
  produce,
  readTopic,
  transactionRecord,
  waitForCommittedToEnd,
  type RawMessage,
  type RawRecord,
} from './support/topics.ts';

let broker: TestBroker;
let api: ScoringApiProcess;
const scorers: StreamScorer[] = [];
/** Processes to stop after the tests, whatever happened. */
const processes: { stop: () => Promise<void> }[] = [];

/** Ids no other test run or test uses: the topics are fresh, the ids are unique anyway. */
let nextId = 7_000_000_000 + (Date.now() % 1_000_000) * 1000;
const takeIds = (count: number): number => {
  const first = nextId;
  nextId += count;
  return first;
};

beforeAll(async () => {
  if (!kafkaAvailable()) return;
  const [startedBroker, startedApi] = await Promise.allSettled([startBroker(), startScoringApi()]);
  for (const started of [startedBroker, startedApi])
    if (started.status === 'fulfilled') processes.push(started.value);
  if (startedBroker.status === 'rejected') throw startedBroker.reason;
  if (startedApi.status === 'rejected') throw startedApi.reason;
  broker = startedBroker.value;
  api = startedApi.value;
});

afterAll(async () => {
  await Promise.all(scorers.map((s) => s.close({ timeoutMs: 2000 }).catch(() => undefined)));
  await Promise.all(processes.map((p) => p.stop()));
});

async function startScorer(
  topics: TestTopics,
  overrides: Partial<StreamScorerOptions> = {},
): Promise<{ scorer: StreamScorer; logs: string[] }> {
  const logs: string[] = [];
  const scorer = await startStreamScorer({
    bootstrapBrokers: [broker.bootstrap],
    topics,
    groupId: `${topics.transactions}.scorer`,
    scoringUrl: api.url,
    maxBatchSize: 100,
    maxBatchWaitMs: 20,
    maxBatchesInFlight: 4,
    batchMaxItems: 1000,
    http: { host: '127.0.0.1', port: 0 },
    defaultMetrics: false,
    log: (line) => {
      logs.push(line);
      if (process.env.SCORER_DEBUG) console.log(`${new Date().toISOString()} ${line}`);
    },
    ...overrides,
  });
  scorers.push(scorer);
  return { scorer, logs };
}

const scoresById = (messages: readonly RawMessage[]): Map<number, { key: string; score: Score }[]> => {
  const byId = new Map<number, { key: string; score: Score }[]>();
  for (const message of messages) {
    const score = JSON.parse(message.value.toString()) as Score;
    const list = byId.get(score.transaction_id) ?? [];
    list.push({ key: message.key.toString(), score });
    byId.set(score.transaction_id, list);
  }
  return byId;
};

function expectEveryIdScored(transactions: readonly Transaction[], scores: readonly RawMessage[]): void {
  const byId = scoresById(scores);
  const missing = transactions.filter((t) => !byId.has(t.transaction_id)).map((t) => t.transaction_id);
  expect(missing, 'transactions without a score').toEqual([]);
  for (const t of transactions) {
    for (const { key, score } of byId.get(t.transaction_id) ?? []) {
      expect(key).toBe(String(t.transaction_id));
      expect(score.fraud_probability).toBeGreaterThanOrEqual(0);
      expect(score.fraud_probability).toBeLessThanOrEqual(1);
      expect(typeof score.is_fraud).toBe('boolean');
      expect(score.model_version).not.toBe('');
    }
  }
}

const distinctScored = (messages: readonly RawMessage[]): number => scoresById(messages).size;

describe.skipIf(!kafkaAvailable())('the stream scorer on a real broker and scoring-api', () => {
  it('scores every valid event, dead-letters every poison one with its bytes and reason, commits to the end', async () => {
    const topics = await createTopics(broker.bootstrap, 'happy');
    const transactions = await freshTransactions(2000, takeIds(2000));
    const [template] = transactions as [Transaction];
    const { tx_amount: _amount, ...withoutAmount } = template;
    const poison: { name: string; record: RawRecord; code: string; reason: RegExp }[] = [
      {
        name: 'not-json',
        record: { value: Buffer.from('{"transaction_id": 12, "tx_amount": ') },
        code: 'invalid_json',
        reason: /not valid JSON/,
      },
      {
        name: 'not-utf8',
        record: { value: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) },
        code: 'invalid_json',
        reason: /not valid UTF-8/,
      },
      { name: 'null-value', record: {}, code: 'invalid_json', reason: /empty/ },
      {
        name: 'json-array',
        record: { value: Buffer.from(JSON.stringify([template])) },
        code: 'invalid_event',
        reason: /must be a JSON object, not an array/,
      },
      {
        name: 'missing-field',
        record: { value: Buffer.from(JSON.stringify(withoutAmount)) },
        code: 'invalid_event',
        reason: /^\/tx_amount is required$/,
      },
      {
        name: 'wrong-type',
        record: { value: Buffer.from(JSON.stringify({ ...template, tx_amount: '12.50' })) },
        code: 'invalid_event',
        reason: /^\/tx_amount must be number$/,
      },
      {
        name: 'unknown-field',
        record: { value: Buffer.from(JSON.stringify({ ...template, merchant: 'acme' })) },
        code: 'invalid_event',
        reason: /^\/merchant is not an allowed field$/,
      },
    ];
    // Poison among the valid events, in several partitions (keyed differently), not only at the end.
    const records: RawRecord[] = transactions.map(transactionRecord);
    poison.forEach(({ name, record }, i) => {
      records.splice(100 + i * 250, 0, { ...record, key: Buffer.from(`poison-${name}`) });
    });
    await produce(broker.bootstrap, topics.transactions, records);

    const { scorer, logs } = await startScorer(topics);
    await scorer.ready;
    expect(scorer.url).not.toBeNull();
    const url = scorer.url as string;
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    await waitForCommittedToEnd(broker.bootstrap, `${topics.transactions}.scorer`, topics.transactions, 6);

    const scores = await readTopic(broker.bootstrap, topics.scores, (m) => distinctScored(m) >= 2000);
    expectEveryIdScored(transactions, scores);
    // One scorer, no rebalance, no restart: exactly one score each.
    expect(scores).toHaveLength(2000);

    const deadLetters = await readTopic(
      broker.bootstrap,
      topics.deadLetter,
      (m) => m.length >= poison.length,
    );
    expect(deadLetters).toHaveLength(poison.length);
    for (const { name, record, code, reason } of poison) {
      const letter = deadLetters.find((m) => m.key.toString() === `poison-${name}`);
      expect(letter, name).toBeDefined();
      const dead = letter as RawMessage;
      // The original bytes, untouched (a null value stays null).
      if (record.value === undefined) expect(dead.value as Buffer | undefined).toBeUndefined();
      else expect(Buffer.compare(dead.value, record.value), name).toBe(0);
      expect(headerText(dead, DEAD_LETTER_HEADERS.code), name).toBe(code);
      expect(headerText(dead, DEAD_LETTER_HEADERS.reason), name).toMatch(reason);
      expect(headerText(dead, DEAD_LETTER_HEADERS.topic)).toBe(topics.transactions);
      expect(Number(headerText(dead, DEAD_LETTER_HEADERS.partition))).toBeGreaterThanOrEqual(0);
      expect(headerText(dead, DEAD_LETTER_HEADERS.offset)).toMatch(/^\d+$/);
      expect(Date.parse(headerText(dead, DEAD_LETTER_HEADERS.failedAt) ?? '')).toBeGreaterThan(
        Date.now() - 60_000,
      );
    }

    // The metrics tell the same story.
    const samples = await scrape(url);
    expect(metricSum(samples, 'stream_scorer_events_consumed_total')).toBe(records.length);
    expect(metricSum(samples, 'stream_scorer_events_scored_total')).toBe(2000);
    expect(metricSum(samples, 'stream_scorer_events_dead_lettered_total', { code: 'invalid_json' })).toBe(3);
    expect(metricSum(samples, 'stream_scorer_events_dead_lettered_total', { code: 'invalid_event' })).toBe(4);
    expect(metricSum(samples, 'stream_scorer_events_dead_lettered_total', { code: 'rejected_by_api' })).toBe(
      0,
    );
    expect(metricSum(samples, 'stream_scorer_batch_size_sum')).toBe(records.length);
    expect(metricSum(samples, 'stream_scorer_batch_duration_seconds_count')).toBeGreaterThan(0);
    expect(metricSum(samples, 'stream_scorer_batches_in_flight')).toBe(0);
    expect(metricSum(samples, 'kafka_topic_partition_current_offset', { topic: topics.transactions })).toBe(
      records.length,
    );
    const lag = samples.filter((s) => s.name === 'kafka_consumergroup_lag');
    expect(lag.map((s) => s.labels.partition).sort()).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(
      lag.every((s) => s.labels.consumergroup === `${topics.transactions}.scorer` && s.value === 0),
    ).toBe(true);

    expect(
      logs.some((line) => /joined group .* assigned .*\[0,1,2,3,4,5\]/.test(line)),
      logs.join('\n'),
    ).toBe(true);
    expect(await scorer.close()).toEqual({ clean: true });
    expect(logs.at(-1)).toMatch(/^stopped/);
  });

  it('loses nothing when stopped mid-stream and started again (duplicates allowed)', async () => {
    const topics = await createTopics(broker.bootstrap, 'restart');
    const groupId = `${topics.transactions}.scorer`;
    const transactions = await freshTransactions(4000, takeIds(4000));
    await produce(broker.bootstrap, topics.transactions, transactions.map(transactionRecord));

    const first = await startScorer(topics, { maxBatchSize: 50, maxBatchesInFlight: 2 });
    await first.scorer.ready;
    const firstUrl = first.scorer.url as string;
    // Stop it once it is well into the stream but not through.
    for (;;) {
      const scored = metricSum(await scrape(firstUrl), 'stream_scorer_events_scored_total');
      if (scored >= 600) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await first.scorer.close()).toEqual({ clean: true });
    const midway = await groupProgress(broker.bootstrap, groupId, topics.transactions, 6);
    const committedMidway = midway.reduce((sum, p) => sum + Number(p.committed < 0n ? 0n : p.committed), 0);
    expect(committedMidway).toBeGreaterThan(0);
    expect(committedMidway).toBeLessThan(4000);

    const second = await startScorer(topics);
    await second.scorer.ready;
    await waitForCommittedToEnd(broker.bootstrap, groupId, topics.transactions, 6);
    const scores = await readTopic(broker.bootstrap, topics.scores, (m) => distinctScored(m) >= 4000);
    expectEveryIdScored(transactions, scores);
    // The restart resumed from the committed offsets instead of starting over.
    const rescored = metricSum(
      await scrape(second.scorer.url as string),
      'stream_scorer_events_scored_total',
    );
    expect(rescored).toBeLessThan(4000);
    expect(rescored).toBeGreaterThanOrEqual(4000 - committedMidway);
    await second.scorer.close();
  });

  it('retries while the scoring service is unreachable or shedding load; abandons, uncommitted, what it cannot finish', async () => {
    const topics = await createTopics(broker.bootstrap, 'retry');
    const groupId = `${topics.transactions}.scorer`;
    const transactions = await freshTransactions(300, takeIds(300));
    await produce(broker.bootstrap, topics.transactions, transactions.map(transactionRecord));
    const port = await freePort();
    const backoff = { baseMs: 50, maxMs: 400 };

    // Nothing listens on the port: the scorer retries (network) and, stopped with a short deadline, gives
    // its batches up without committing them.
    const unreachable = await startScorer(topics, { scoringUrl: `http://127.0.0.1:${port}`, backoff });
    await unreachable.scorer.ready;
    const unreachableUrl = unreachable.scorer.url as string;
    while (
      metricSum(await scrape(unreachableUrl), 'stream_scorer_scoring_retries_total', { cause: 'network' }) < 2
    )
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(
      unreachable.logs.some((line) => /scoring retry \d+ \(network: connect ECONNREFUSED/.test(line)),
    ).toBe(true);
    expect(await unreachable.scorer.close({ timeoutMs: 300 })).toEqual({ clean: false });
    expect(
      unreachable.logs.some((line) => /abandoned a batch of \d+ at the shutdown deadline/.test(line)),
    ).toBe(true);
    const progress = await groupProgress(broker.bootstrap, groupId, topics.transactions, 6);
    expect(progress.filter((p) => p.end > 0n).every((p) => p.committed < p.end)).toBe(true);

    // Then a replica comes up there that admits one request at a time, and that one slot is taken: every
    // batch is shed with 429 + Retry-After until the slot frees.
    const sheddingApi = await startScoringApi({ MAX_IN_FLIGHT: '1' }, port);
    processes.push(sheddingApi);
    const slot = await holdInFlightSlot(port);
    const { scorer, logs } = await startScorer(topics, { scoringUrl: sheddingApi.url, backoff });
    const url = scorer.url as string;
    while (metricSum(await scrape(url), 'stream_scorer_scoring_retries_total', { cause: 'rate_limited' }) < 1)
      await new Promise((resolve) => setTimeout(resolve, 50));
    slot.release();
    await waitForCommittedToEnd(broker.bootstrap, groupId, topics.transactions, 6);
    const scores = await readTopic(broker.bootstrap, topics.scores, (m) => distinctScored(m) >= 300);
    expectEveryIdScored(transactions, scores);
    expect(scores).toHaveLength(300);

    const samples = await scrape(url);
    expect(
      metricSum(samples, 'stream_scorer_scoring_retries_total', { cause: 'rate_limited' }),
    ).toBeGreaterThan(0);
    expect(metricSum(samples, 'stream_scorer_events_scored_total')).toBe(300);
    expect(metricSum(samples, 'stream_scorer_events_dead_lettered_total')).toBe(0);
    expect(
      logs.some((line) => /scoring retry \d+ \(rate_limited: HTTP 429/.test(line)),
      logs.join('\n'),
    ).toBe(true);
    expect(await scorer.close()).toEqual({ clean: true });
  });

  it('shares the partitions with a second scorer that joins mid-stream, and loses nothing in the rebalance', async () => {
    const topics = await createTopics(broker.bootstrap, 'rebalance');
    const groupId = `${topics.transactions}.scorer`;
    const transactions = await freshTransactions(6000, takeIds(6000));
    await produce(broker.bootstrap, topics.transactions, transactions.map(transactionRecord));

    // Small batches one at a time: the first scorer is still far from done when the second one joins.
    const a = await startScorer(topics, { maxBatchSize: 10, maxBatchesInFlight: 1 });
    await a.scorer.ready;
    const aUrl = a.scorer.url as string;
    while (metricSum(await scrape(aUrl), 'stream_scorer_events_scored_total') < 500)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const b = await startScorer(topics, { maxBatchSize: 10, maxBatchesInFlight: 1 });
    await b.scorer.ready;
    await waitForCommittedToEnd(broker.bootstrap, groupId, topics.transactions, 6);
    const scores = await readTopic(broker.bootstrap, topics.scores, (m) => distinctScored(m) >= 6000);
    expectEveryIdScored(transactions, scores);

    // The first scorer gave up part of its partitions; together they cover each partition once.
    expect(
      a.logs.some((line) => line.startsWith(`rejoined group ${groupId}`)),
      a.logs.join('\n'),
    ).toBe(true);
    const [aSamples, bSamples] = await Promise.all([scrape(aUrl), scrape(b.scorer.url as string)]);
    const lagPartitions = (samples: Sample[]): string[] =>
      samples.filter((s) => s.name === 'kafka_consumergroup_lag').map((s) => s.labels.partition ?? '');
    const aPartitions = lagPartitions(aSamples);
    const bPartitions = lagPartitions(bSamples);
    expect(aPartitions.length).toBeGreaterThan(0);
    expect(bPartitions.length).toBeGreaterThan(0);
    expect([...aPartitions, ...bPartitions].sort()).toEqual(['0', '1', '2', '3', '4', '5']);
    const scoredByA = metricSum(aSamples, 'stream_scorer_events_scored_total');
    const scoredByB = metricSum(bSamples, 'stream_scorer_events_scored_total');
    expect(scoredByB, 'the second scorer took over part of the stream').toBeGreaterThan(0);
    const scoredByBoth = scoredByA + scoredByB;
    expect(scoredByBoth).toBeGreaterThanOrEqual(6000);
    // Duplicates are allowed, but a rebalance costs the batches in flight, not the stream again; and it is
    // one rebalance, not a storm of them.
    expect(scoredByBoth).toBeLessThan(6500);
    const rebalances = [...a.logs, ...b.logs].filter((line) => line.includes('is rebalancing'));
    expect(rebalances.length, rebalances.join('\n')).toBeLessThanOrEqual(2);
    await Promise.all([a.scorer.close(), b.scorer.close()]);
  });

  it('runs as a process: /health, /ready, /metrics, one log line per event, SIGTERM drains and exits 0', async () => {
    // The process reads the topic names from fraudops.config.json; this broker is the test's own.
    const config = loadProjectConfig();
    const topics = await createTopics(broker.bootstrap, config.stack.kafka.topics);
    const transactions = await freshTransactions(500, takeIds(500));
    const port = await freePort();
    const child = spawn(process.execPath, [fileURLToPath(new URL('../src/main.ts', import.meta.url))], {
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        KAFKA_BROKERS: broker.bootstrap,
        SCORING_URL: api.url,
        GROUP_ID: 'process-test',
        MAX_BATCH_SIZE: '100',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    processes.push({
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGKILL');
          await exited;
        }
      },
    });
    const url = `http://127.0.0.1:${port}`;
    await waitForHttpOk(`${url}/health`, { timeoutMs: 10_000, stillRunning: () => child.exitCode === null });
    await waitForHttpOk(`${url}/ready`, { timeoutMs: 20_000, stillRunning: () => child.exitCode === null });
    await produce(broker.bootstrap, topics.transactions, transactions.map(transactionRecord));
    await waitForCommittedToEnd(broker.bootstrap, 'process-test', topics.transactions, 6);

    const samples = await scrape(url);
    expect(metricSum(samples, 'stream_scorer_events_scored_total')).toBe(500);
    expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect((await fetch(`${url}/nowhere`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);

    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code, output).toBe(0);
    const lines = output.trim().split('\n');
    expect(
      lines.every((line) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S/.test(line)),
      output,
    ).toBe(true);
    expect(output).toMatch(/stream-scorer starting: group process-test on transactions/);
    expect(output).toMatch(
      /joined group process-test \(generation \d+, leader\): assigned transactions\[0,1,2,3,4,5\]/,
    );
    expect(output).toMatch(/SIGTERM: shutting down\n.*stopping: no more fetching/);
    expect(lines.at(-1)).toMatch(/stopped: every consumed batch was written and committed$/);
  });

  it('dead-letters an event just under the broker limit, cut to fit with its size and sha256, and moves on', async () => {
    const topics = await createTopics(broker.bootstrap, 'oversized');
    const groupId = `${topics.transactions}.scorer`;
    // The broker's own limit for the input and the dead-letter topics, as it reports it.
    const limits = await maxMessageBytes(broker.bootstrap, [topics.transactions, topics.deadLetter]);
    expect(limits).toEqual([KAFKA_DEFAULT_MAX_MESSAGE_BYTES, KAFKA_DEFAULT_MAX_MESSAGE_BYTES]);
    const limit = limits[0] as number;

    // A JSON event with a field the contract does not know, padded so that its record batch is 8 bytes under
    // the limit: the broker takes it, and the same bytes plus the dead-letter headers would not fit.
    const [template, ...good] = await freshTransactions(21, takeIds(21));
    const headers = new Map([[Buffer.from('trace-id'), Buffer.from('4bf92f3577b34da6')]]);
    const key = Buffer.from('poison-oversized');
    const eventOf = (padding: number): Buffer =>
      Buffer.from(JSON.stringify({ ...template, padding: 'x'.repeat(padding) }));
    let padding = limit - 1000;
    while (
      createRecordsBatch([{ topic: topics.transactions, key, value: eventOf(padding + 1), headers }])
        .length <=
      limit - 8
    )
      padding++;
    const value = eventOf(padding);
    expect(createRecordsBatch([{ topic: topics.transactions, key, value, headers }]).length).toBe(limit - 8);
    // All in partition 0 (the only one waited for below), the poison first: its partition can commit nothing
    // until it is dealt with.
    await produce(broker.bootstrap, topics.transactions, [{ key, value, headers, partition: 0 }]);
    await produce(
      broker.bootstrap,
      topics.transactions,
      good.map((t) => ({ ...transactionRecord(t), partition: 0 })),
    );

    const { scorer, logs } = await startScorer(topics);
    await scorer.ready;
    await waitForCommittedToEnd(broker.bootstrap, groupId, topics.transactions, 1, 20_000).catch(
      (error: unknown) => {
        throw new Error(`${(error as Error).message}\n${logs.slice(-5).join('\n')}`);
      },
    );
    const progress = await groupProgress(broker.bootstrap, groupId, topics.transactions, 6);
    expect(progress.find((p) => p.partition === 0)).toEqual({ partition: 0, end: 21n, committed: 21n });

    const [dead, ...more] = await readTopic(broker.bootstrap, topics.deadLetter, (m) => m.length >= 1);
    expect(more).toEqual([]);
    const letter = dead as RawMessage;
    expect(letter.key.toString()).toBe('poison-oversized');
    // A prefix of the original bytes, with what identifies the whole.
    expect(letter.value.length).toBeLessThan(value.length);
    expect(letter.value.length).toBeGreaterThan(value.length - 2048);
    expect(Buffer.compare(letter.value, value.subarray(0, letter.value.length))).toBe(0);
    expect(headerText(letter, DEAD_LETTER_HEADERS.truncated)).toBe('value');
    expect(headerText(letter, DEAD_LETTER_HEADERS.valueBytes)).toBe(String(value.length));
    expect(headerText(letter, DEAD_LETTER_HEADERS.valueSha256)).toBe(
      createHash('sha256').update(value).digest('hex'),
    );
    expect(headerText(letter, DEAD_LETTER_HEADERS.code)).toBe('invalid_event');
    expect(headerText(letter, DEAD_LETTER_HEADERS.reason)).toBe('/padding is not an allowed field');
    expect(headerText(letter, DEAD_LETTER_HEADERS.partition)).toBe('0');
    expect(headerText(letter, DEAD_LETTER_HEADERS.offset)).toBe('0');
    // The original record's headers come along.
    expect(headerText(letter, 'trace-id')).toBe('4bf92f3577b34da6');

    // The events behind it in the same partition were scored.
    const scores = await readTopic(broker.bootstrap, topics.scores, (m) => distinctScored(m) >= 20);
    expectEveryIdScored(good, scores);
    const samples = await scrape(scorer.url as string);
    expect(metricSum(samples, 'stream_scorer_events_dead_lettered_total', { code: 'invalid_event' })).toBe(1);
    expect(metricSum(samples, 'stream_scorer_events_scored_total')).toBe(20);
    expect(
      logs.filter((line) => line.startsWith('writing ')),
      'no write was refused',
    ).toEqual([]);

    // An operator lowers the dead-letter topic's limit while the scorer runs: the first write of a dead letter
    // over it is refused, the scorer reads the limit again and writes the dead letter cut to the new one.
    const lowered = 64 * 1024;
    await setMaxMessageBytes(broker.bootstrap, topics.deadLetter, lowered);
    const mid = Buffer.from(JSON.stringify({ ...template, padding: 'y'.repeat(200_000) }));
    const [next] = await freshTransactions(1, takeIds(1));
    await produce(broker.bootstrap, topics.transactions, [
      { key: Buffer.from('poison-after-lowering'), value: mid, partition: 0 },
      { ...transactionRecord(next as Transaction), partition: 0 },
    ]);
    await waitForCommittedToEnd(broker.bootstrap, groupId, topics.transactions, 1, 20_000);
    const letters = await readTopic(broker.bootstrap, topics.deadLetter, (m) => m.length >= 2);
    const second = letters.find((m) => m.key.toString() === 'poison-after-lowering') as RawMessage;
    expect(second).toBeDefined();
    expect(second.value.length).toBeLessThan(lowered);
    expect(second.value.length).toBeGreaterThan(lowered - 2048);
    expect(headerText(second, DEAD_LETTER_HEADERS.valueBytes)).toBe(String(mid.length));
    expect(
      logs.some((line) => /^writing \d+ records failed \(.*larger than/.test(line)),
      logs.join('\n'),
    ).toBe(true);
    expect(logs).toContain(
      `${topics.scores} and ${topics.deadLetter} take record batches of up to ${lowered} bytes (max.message.bytes)`,
    );
    expect(await scorer.close()).toEqual({ clean: true });
  });

  it('dead-letters only the items the scoring API names in a 400 and scores the rest', async () => {
    const [a, b, c, d] = (await freshTransactions(4, takeIds(4))) as [
      Transaction,
      Transaction,
      Transaction,
      Transaction,
    ];
    // Sent straight to the API, as if local validation had missed them.
    const batch = [a, { ...b, tx_amount: 'lots' }, c, { ...d, merchant: 'acme' }] as unknown as Transaction[];
    const pool = await openScoringPool({ url: api.url, resolveIntervalMs: 0, log: () => undefined });
    const outcome = await scoreBatch(
      batch,
      {
        pool,
        requestTimeoutMs: 5000,
        backoff: { baseMs: 10, maxMs: 10 },
        onRetry: () => undefined,
      },
      new AbortController().signal,
    ).finally(() => pool.close());
    expect([...outcome.scores.keys()].sort()).toEqual([0, 2]);
    expect(outcome.scores.get(0)?.transaction_id).toBe(a.transaction_id);
    expect(outcome.scores.get(2)?.transaction_id).toBe(c.transaction_id);
    expect(outcome.rejected).toEqual(
      new Map([
        [1, '/tx_amount must be number'],
        [3, '/merchant is not an allowed field'],
      ]),
    );
  });
});
