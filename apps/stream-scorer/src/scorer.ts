// The stream scorer: a member of a Kafka consumer group on `transactions` that scores events in batches
// through the scoring service and writes one score per event to `scores`, or a dead letter.
//
// At least once: a consumed event is pending until its score or dead letter has been acknowledged by every
// in-sync replica (idempotent producer, acks -1), and a partition's offset is committed only up to its first
// pending event (offsets.ts). A rebalance, a crash or a restart may therefore deliver an event twice, never
// zero times. A poison event costs one dead letter and never stops the stream; a failing scoring service
// costs time (retries with backoff) and never an event.
import { once } from 'node:events';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Admin,
  ConfigResourceTypes,
  Consumer,
  ProduceAcks,
  Producer,
  type ConsumerGroupJoinPayload,
  type GroupAssignment,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka';
import type { Score, Transaction } from '@fraudops/contracts';
import type { Registry } from 'prom-client';
import { defaultBackoff, retryDelayMs, type BackoffPolicy } from './backoff.ts';
import { Batcher } from './batcher.ts';
import { CoalescingWriter } from './coalescing-writer.ts';
import { decodeEvent, type Decoded, type DeadLetterCode } from './events.ts';
import { LagSampler, lagSnapshot } from './lag.ts';
import { countDeadLetter, countRetry, createMetrics, type ScorerMetrics } from './metrics.ts';
import { OffsetTracker, type CommitPosition, type Ticket } from './offsets.ts';
import { createOpsServer } from './ops-server.ts';
import {
  deadLetterRecord,
  KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
  RECORD_BATCH_OVERHEAD,
  recordSize,
  scoredTransactionRecord,
  type OutputRecord,
  type SourceMessage,
} from './records.ts';
import { scoreBatch, type ScoringClientOptions } from './scoring-client.ts';
import { openScoringPool, type AddressResolver, type ScoringPool } from './scoring-pool.ts';

export interface StreamScorerOptions {
  /** host:port of one or more brokers. */
  bootstrapBrokers: readonly string[];
  topics: { transactions: string; scores: string; deadLetter: string };
  groupId: string;
  /** Base URL of the scoring service: the gateway in the stack, so the load spreads over the replicas. */
  scoringUrl: string;
  /**
   * 0 (default): send to scoringUrl's host as it is. > 0: scoringUrl names a headless Service; resolve it
   * again this often and send each batch to the next of its replicas (scoring-pool.ts).
   */
  scoringResolveIntervalMs?: number;
  /** Who answers those resolutions; default: the system's DNS servers. */
  scoringResolver?: AddressResolver;
  /** A batch is sent when it holds this many events... */
  maxBatchSize: number;
  /** ...or when its first event has waited this long. */
  maxBatchWaitMs: number;
  /** Batches scored at once (each is one request, so several replicas work in parallel). */
  maxBatchesInFlight: number;
  /** The scoring API's limit of items per request (`scoringApi.batchMaxItems`); caps maxBatchSize. */
  batchMaxItems?: number;
  /** A scoring request without an answer after this long is retried (cause `network`). */
  requestTimeoutMs?: number;
  backoff?: BackoffPolicy;
  /** Where to serve /metrics, /health and /ready (port 0: any free port); null for no server. */
  http?: { host: string; port: number } | null;
  clientId?: string;
  /** The group forgets a member that has not heartbeated for this long (its partitions move on). */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** One line per notable event; default: stdout with an ISO timestamp. */
  log?: (line: string) => void;
  /** Metrics go here (default: a new registry); Node.js defaults are added unless defaultMetrics is false. */
  registry?: Registry;
  defaultMetrics?: boolean;
}

export interface CloseOptions {
  /** In-flight batches get this long to finish; then they are abandoned (and will be redelivered). */
  timeoutMs?: number;
}

export interface StreamScorer {
  /** Resolves when the consumer first joins its group; rejects if closed before. */
  ready: Promise<void>;
  isReady: () => boolean;
  /** Base URL of the operations server, or null without one. */
  url: string | null;
  metrics: ScorerMetrics;
  /**
   * Stops fetching, finishes the batches in flight, writes and commits, leaves the group, closes every
   * connection. `clean` is false when batches had to be abandoned at the deadline (nothing is lost: their
   * offsets were not committed).
   */
  close: (options?: CloseOptions) => Promise<{ clean: boolean }>;
}

interface Delivery {
  source: SourceMessage;
  ticket: Ticket;
  decoded: Decoded;
}

const defaultLog = (line: string): void => {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
};

const describeError = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  // The library wraps retried failures in a MultipleErrors whose own message says little, and a broker's
  // answer in a ResponseError that holds the protocol errors (e.g. MESSAGE_TOO_LARGE) one level further down.
  const nested = (error as Error & { errors?: unknown[] }).errors?.map(describeError).join('; ');
  return nested ? `${error.message} (${nested})` : error.message;
};

const describeAssignment = (assignments: readonly GroupAssignment[]): string =>
  assignments.length === 0
    ? 'no partitions'
    : assignments
        .map(({ topic, partitions }) => `${topic}[${[...partitions].sort((a, b) => a - b).join(',')}]`)
        .join(' ');

const partitionsOf = (assignments: readonly GroupAssignment[]): { topic: string; partition: number }[] =>
  assignments.flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, partition })));

/** The broker refused a record batch as larger than the topic's `max.message.bytes`. */
export function isTooLarge(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { apiId, errors, cause } = error as { apiId?: unknown; errors?: unknown; cause?: unknown };
  if (apiId === 'MESSAGE_TOO_LARGE' || apiId === 'RECORD_LIST_TOO_LARGE') return true;
  return (Array.isArray(errors) && errors.some(isTooLarge)) || (cause !== undefined && isTooLarge(cause));
}

/** The smallest `max.message.bytes` of the topics, as the broker reports them. */
async function readMaxMessageBytes(
  bootstrapBrokers: string[],
  clientId: string,
  topicNames: readonly string[],
): Promise<number> {
  const admin = new Admin({ clientId, bootstrapBrokers, retries: 0 });
  try {
    const described = await admin.describeConfigs({
      resources: topicNames.map((resourceName) => ({
        resourceType: ConfigResourceTypes.TOPIC,
        resourceName,
        configurationKeys: ['max.message.bytes'],
      })),
    });
    const values = topicNames.map((name) => {
      const value = described
        .find((d) => d.resourceName === name)
        ?.configs.find((c) => c.name === 'max.message.bytes')?.value;
      const bytes = Number(value);
      if (!Number.isSafeInteger(bytes) || bytes <= 0)
        throw new Error(`${name} has no usable max.message.bytes (${String(value)})`);
      return bytes;
    });
    return Math.min(...values);
  } finally {
    await admin.close().catch(() => undefined);
  }
}

const isAbort = (error: unknown): boolean =>
  (error as Error).name === 'AbortError' || (error as Error).name === 'ShutdownError';

/** Waits for a promise, or rejects when the signal aborts (the promise itself keeps running). */
async function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

export async function startStreamScorer(options: StreamScorerOptions): Promise<StreamScorer> {
  const log = options.log ?? defaultLog;
  const { topics, groupId } = options;
  const backoff = options.backoff ?? defaultBackoff;
  const maxBatchSize = Math.min(options.maxBatchSize, options.batchMaxItems ?? Number.POSITIVE_INFINITY);
  const clientId = options.clientId ?? 'fraudops-stream-scorer';
  const bootstrapBrokers = [...options.bootstrapBrokers];

  const tracker = new OffsetTracker();
  // Aborted when close() begins: the consumer is not restarted any more.
  const stopping = new AbortController();
  // Aborted when close() runs out of time: retries and waits stop, the work is left uncommitted.
  const deadline = new AbortController();
  let closing = false;
  // Read through a call: `closing` changes while awaits are pending, which narrowing cannot see.
  const isClosing = (): boolean => closing;
  let joined = false;
  let consumer: Consumer | null = null;
  let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | null = null;
  let saturated = false;

  let resolveReady = (): void => undefined;
  let rejectReady = (_error: Error): void => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // Callers that never await `ready` must not see an unhandled rejection when closing early.
  ready.catch(() => undefined);

  const lagSampler = new LagSampler({
    sample: async () => {
      const current = consumer;
      if (current === null) throw new Error('no consumer');
      const assigned = current.assignments ?? [];
      const [ends, committed] = await Promise.all([
        current.listOffsets({ topics: [topics.transactions] }),
        assigned.length > 0 ? current.listCommittedOffsets({ topics: assigned }) : Promise.resolve(new Map()),
      ]);
      return lagSnapshot(groupId, ends, committed, assigned, Date.now());
    },
    onError: () => undefined, // a scrape during a rebalance or a broker restart just shows the last figures
  });

  let batcher: Batcher<Delivery> | null = null;
  let scoringPool: ScoringPool | null = null;
  const metrics = createMetrics({
    ...(options.registry === undefined ? {} : { registry: options.registry }),
    defaultMetrics: options.defaultMetrics ?? true,
    lag: () => lagSampler.get(),
    inFlight: () => batcher?.inFlight ?? 0,
    upstreams: () => scoringPool?.upstreams().length ?? 0,
  });

  // Header names and values are bytes: a dead letter carries the original record's headers as they were.
  const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
    clientId,
    bootstrapBrokers,
    idempotent: true,
    acks: ProduceAcks.ALL,
  });

  // The largest record batch the output topics take (`max.message.bytes`), read from the broker: dead letters
  // are cut to it and sends bounded by it. Kafka's default until the broker has answered.
  let maxMessageBytes = KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
  let limitRead: Promise<void> | null = null;
  const outputTopics = [topics.scores, topics.deadLetter];
  function readLimit(): Promise<void> {
    limitRead ??= readMaxMessageBytes(bootstrapBrokers, clientId, outputTopics)
      .then((bytes) => {
        if (bytes !== maxMessageBytes)
          log(
            `${outputTopics.join(' and ')} take record batches of up to ${bytes} bytes (max.message.bytes)`,
          );
        maxMessageBytes = bytes;
      })
      .catch((error: unknown) => {
        log(
          `cannot read max.message.bytes of ${outputTopics.join(' and ')} (${describeError(error)}); ` +
            `assuming ${maxMessageBytes} until a write is refused as too large`,
        );
      })
      .finally(() => {
        limitRead = null;
      });
    return limitRead;
  }

  // Batches that finish together share a produce request (see coalescing-writer.ts), never a record batch
  // larger than a topic takes.
  const writer = new CoalescingWriter<OutputRecord>({
    send: async (records) => {
      await producer.send({ messages: records });
    },
    sizeOf: recordSize,
    maxBytes: () => Math.min(900 * 1024, maxMessageBytes - RECORD_BATCH_OVERHEAD),
  });

  const resolveIntervalMs = options.scoringResolveIntervalMs ?? 0;
  const pool = await openScoringPool({
    url: options.scoringUrl,
    resolveIntervalMs,
    ...(options.scoringResolver === undefined ? {} : { resolver: options.scoringResolver }),
    log,
    onResolveFailure: () => {
      metrics.resolveFailures.inc();
    },
  });
  scoringPool = pool;

  const scoringClient: ScoringClientOptions = {
    pool,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    backoff,
    onRetry: ({ cause, attempt, delayMs, detail }) => {
      countRetry(metrics, cause);
      log(`scoring retry ${attempt} (${cause}: ${detail}); next try in ${delayMs} ms`);
    },
  };

  /**
   * Writes the records `build` makes, retrying until the broker takes them or the deadline passes. They are
   * made again for each try: a write refused as too large reads the topics' limit again, and the dead letters
   * are cut to the new one.
   */
  async function write(build: () => OutputRecord[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const records = build();
      try {
        await unlessAborted(writer.write(records), deadline.signal);
        return;
      } catch (error) {
        if (deadline.signal.aborted) throw error;
        if (isTooLarge(error)) await readLimit();
        const delayMs = retryDelayMs(attempt, null, backoff);
        log(`writing ${records.length} records failed (${describeError(error)}); next try in ${delayMs} ms`);
        await sleep(delayMs, undefined, { signal: deadline.signal });
      }
    }
  }

  /** Scores one batch and writes its scores and dead letters; throws only on the deadline or a bug. */
  async function scoreAndWrite(batch: Delivery[], started: number): Promise<void> {
    const valid = batch.filter((d) => d.decoded.ok);
    const outcome =
      valid.length === 0
        ? { scores: new Map<number, Score>(), rejected: new Map<number, string>() }
        : await scoreBatch(
            valid.map((d) => (d.decoded as Extract<Decoded, { ok: true }>).transaction),
            scoringClient,
            deadline.signal,
          );
    const failedAt = new Date();
    const deadLetters = new Map<DeadLetterCode, number>();
    const failures: { d: Delivery; code: DeadLetterCode; reason: string }[] = [];
    const deadLetter = (d: Delivery, code: DeadLetterCode, reason: string): void => {
      failures.push({ d, code, reason });
      deadLetters.set(code, (deadLetters.get(code) ?? 0) + 1);
    };
    for (const d of batch) if (!d.decoded.ok) deadLetter(d, d.decoded.code, d.decoded.reason);
    const scores: { transaction: Transaction; score: Score }[] = [];
    valid.forEach((d, i) => {
      const score = outcome.scores.get(i);
      if (score !== undefined)
        scores.push({ transaction: (d.decoded as Extract<Decoded, { ok: true }>).transaction, score });
      else deadLetter(d, 'rejected_by_api', outcome.rejected.get(i) ?? 'not scored by the scoring API');
    });
    const scored = scores.length;
    await write(() => [
      ...failures.map(({ d, code, reason }) =>
        deadLetterRecord(topics.deadLetter, d.source, { code, reason }, failedAt, maxMessageBytes),
      ),
      ...scores.map(({ transaction, score }) => scoredTransactionRecord(topics.scores, transaction, score)),
    ]);

    metrics.scored.inc(scored);
    for (const [code, n] of deadLetters) countDeadLetter(metrics, code, n);
    metrics.batchDuration.observe((performance.now() - started) / 1000);
    for (const d of batch) tracker.complete(d.ticket);
    if (deadLetters.size > 0)
      log(
        `dead-lettered ${[...deadLetters].map(([code, n]) => `${n} ${code}`).join(', ')} of a batch of ${batch.length}`,
      );
    void commit();
  }

  async function processBatch(batch: Delivery[]): Promise<void> {
    const started = performance.now();
    metrics.batchSize.observe(batch.length);
    for (let attempt = 1; ; attempt++) {
      try {
        await scoreAndWrite(batch, started);
        return;
      } catch (error) {
        if (!deadline.signal.aborted && !isAbort(error)) {
          // Not expected (scoring and writing retry on their own): try the whole batch again rather than
          // leave it pending forever, which would hold its partitions' commits back without a sign.
          const delayMs = retryDelayMs(attempt, null, backoff);
          log(
            `a batch of ${batch.length} failed (${describeError(error)}); trying it again in ${delayMs} ms`,
          );
          const slept = await sleep(delayMs, true, { signal: deadline.signal }).catch(() => false);
          if (slept) continue;
        }
        // Not completed, so not committed: whoever owns the partition next scores these events again.
        log(`abandoned a batch of ${batch.length} at the shutdown deadline; it will be redelivered`);
        return;
      }
    }
  }

  batcher = new Batcher<Delivery>({
    maxSize: maxBatchSize,
    maxWaitMs: options.maxBatchWaitMs,
    maxInFlight: options.maxBatchesInFlight,
    run: processBatch,
    onBackpressure: (isSaturated) => {
      saturated = isSaturated;
      if (isSaturated) stream?.pause();
      else if (!closing) stream?.resume();
    },
    onError: (error) => {
      log(`a batch failed unexpectedly: ${describeError(error)}`);
    },
  });
  const batches = batcher;

  // ---- Commits: one at a time; a commit requested while one runs runs again right after it. ----
  let committing: Promise<void> | null = null;
  // Requests counted, so that one arriving while a commit runs makes it run once more.
  let commitRequests = 0;
  let commitRetry: NodeJS.Timeout | null = null;

  async function commitOnce(): Promise<boolean> {
    const current = consumer;
    // Mid-(re)join there is no generation to commit with; the join commits what is done when it completes.
    if (current === null || !current.isActive()) return true;
    const positions: CommitPosition[] = tracker.positionsToCommit(partitionsOf(current.assignments ?? []));
    if (positions.length === 0) return true;
    try {
      await current.commit({ offsets: positions });
      tracker.markCommitted(positions);
      return true;
    } catch (error) {
      // After a rebalance the generation may be gone: the offsets stay uncommitted and their events may be
      // redelivered (duplicates, never loss). Logged, and tried again shortly for what is still ours.
      log(
        `commit of ${positions.map((p) => `${p.topic}[${p.partition}]@${p.offset}`).join(' ')} failed: ${describeError(error)}`,
      );
      return false;
    }
  }

  function commit(): Promise<void> {
    commitRequests++;
    if (committing !== null) return committing;
    committing = (async () => {
      let ok: boolean;
      let seen: number;
      do {
        seen = commitRequests;
        ok = await commitOnce();
      } while (commitRequests !== seen);
      if (!ok && !closing && commitRetry === null) {
        commitRetry = setTimeout(() => {
          commitRetry = null;
          void commit();
        }, 1000);
      }
    })().finally(() => {
      committing = null;
    });
    return committing;
  }

  // ---- Consuming ----
  // `topic:partition` of the current assignment. The stream's buffer can still hold records fetched before a
  // rebalance took their partition away: the new owner reads them again from the committed offset (never
  // past them), so scoring them here would only duplicate its work.
  let assigned = new Set<string>();
  const keyOf = (topic: string, partition: number): string => `${topic}:${partition}`;

  function onMessage(message: Message): void {
    // After close() began nothing new is taken on: untracked, it stays uncommitted and is delivered again.
    if (closing || !assigned.has(keyOf(message.topic, message.partition))) return;
    // A kept partition refetched from its committed offset after a rejoin: skip what is already in hand.
    if (tracker.hasSeen(message.topic, message.partition, message.offset)) return;
    const ticket = tracker.track(message.topic, message.partition, message.offset, message.leaderEpoch);
    metrics.consumed.inc();
    const key = message.key as Buffer | undefined;
    const value = message.value as Buffer | undefined;
    batches.add({
      source: {
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
        key,
        value,
        headers: message.headerEntries,
      },
      ticket,
      decoded: decodeEvent(value),
    });
  }

  function onJoin(payload: ConsumerGroupJoinPayload, current: Consumer): void {
    const assignments = payload.assignments ?? current.assignments ?? [];
    // Partitions that moved to another member are theirs now: forget them, so late completions of ours
    // never commit there. Kept partitions keep their pending events (the library fetches them again from
    // the committed offset; the tracker counts both deliveries).
    tracker.retainOnly(partitionsOf(assignments));
    assigned = new Set(partitionsOf(assignments).map(({ topic, partition }) => keyOf(topic, partition)));
    const first = !joined;
    joined = true;
    log(
      `${first ? 'joined' : 'rejoined'} group ${groupId} (generation ${payload.generationId ?? '?'}${payload.isLeader ? ', leader' : ''}): assigned ${describeAssignment(assignments)}`,
    );
    resolveReady();
    void commit();
  }

  async function runConsumer(): Promise<void> {
    const current = new Consumer({
      clientId,
      groupId,
      bootstrapBrokers,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      rebalanceTimeout: Math.max(60_000, options.sessionTimeoutMs ?? 30_000),
      heartbeatInterval: options.heartbeatIntervalMs ?? 1000,
      autocommit: false,
      // An idle long-poll returns after this: a quiet topic costs two requests a second, a stop is quick.
      maxWaitTime: 500,
    });
    consumer = current;
    current.on('consumer:group:join', (payload) => {
      onJoin(payload, current);
    });
    current.on('consumer:group:rebalance', () => {
      // No commit here: with the old generation it fails, and the library answers a failed commit with
      // a JoinGroup of its own, which after this round would start the next one (a rebalance storm).
      log(
        `group ${groupId} is rebalancing: rejoining; uncommitted events of lost partitions go to their new owner`,
      );
    });
    current.on('consumer:group:leave', () => {
      joined = false;
      log(`left group ${groupId}`);
    });
    current.on('consumer:heartbeat:error', ({ error }) => {
      log(`heartbeat failed: ${describeError(error)}`);
    });
    // The library emits 'error' when a rejoin fails; without a listener that would crash the process.
    current.on('error', (error: Error) => {
      log(`consumer error: ${describeError(error)}`);
    });
    try {
      const consumed = await current.consume({
        topics: [topics.transactions],
        mode: 'committed',
        fallbackMode: 'earliest',
        autocommit: false,
      });
      stream = consumed;
      if (closing) {
        // close() ran while the consumer was joining: it may have missed this stream.
        await consumed.close().catch(() => undefined);
        await current.close(true).catch(() => undefined);
        return;
      }
      const ended = new Promise<void>((resolve, reject) => {
        consumed.once('error', reject);
        consumed.once('close', resolve);
      });
      consumed.on('data', onMessage);
      if (saturated) consumed.pause();
      await ended;
      if (!isClosing()) throw new Error('the message stream ended');
    } finally {
      if (!isClosing()) {
        joined = false;
        stream = null;
        await current.close(true).catch(() => undefined);
      }
    }
  }

  async function consumeLoop(): Promise<void> {
    for (let attempt = 1; !closing; attempt++) {
      try {
        await runConsumer();
      } catch (error) {
        if (isClosing()) return;
        const delayMs = retryDelayMs(attempt, null, { baseMs: 1000, maxMs: 15_000 });
        log(`consumer stopped (${describeError(error)}); starting it again in ${delayMs} ms`);
        try {
          await sleep(delayMs, undefined, { signal: stopping.signal });
        } catch {
          return;
        }
      }
    }
  }

  // ---- Operations server ----
  let server: Server | null = null;
  let url: string | null = null;
  if (options.http) {
    server = createOpsServer({
      registry: metrics.registry,
      isReady: () => joined && !closing,
      onError: (error) => {
        log(`metrics server error: ${describeError(error)}`);
      },
    });
    server.listen(options.http.port, options.http.host);
    await once(server, 'listening');
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : options.http.port;
    url = `http://${options.http.host}:${port}`;
  }

  log(
    `stream-scorer starting: group ${groupId} on ${topics.transactions} at ${bootstrapBrokers.join(',')}; ` +
      `scoring through ${options.scoringUrl}` +
      (resolveIntervalMs > 0
        ? ` (${pool.upstreams().length} replicas, resolved again every ${resolveIntervalMs} ms)`
        : '') +
      `; batches of up to ${maxBatchSize} events or ${options.maxBatchWaitMs} ms, ` +
      `${options.maxBatchesInFlight} in flight; scores to ${topics.scores}, dead letters to ${topics.deadLetter}` +
      (url === null ? '' : `; metrics on ${url}/metrics`),
  );
  // The producer's id and the output topics' metadata, fetched now rather than by the first batch (a second
  // of latency); a missing topic shows up here, in the log, before any event is consumed.
  void readLimit();
  producer
    .metadata({ topics: [topics.scores, topics.deadLetter] })
    .then(() => producer.initIdempotentProducer({}))
    .catch((error: unknown) => {
      log(
        `cannot prepare writing to ${topics.scores} and ${topics.deadLetter} yet (${describeError(error)}); writes will retry`,
      );
    });
  const consuming = consumeLoop();

  let closed: Promise<{ clean: boolean }> | null = null;
  async function close(closeOptions: CloseOptions = {}): Promise<{ clean: boolean }> {
    closing = true;
    stopping.abort();
    rejectReady(new Error('the stream scorer was closed before it joined its group'));
    if (commitRetry !== null) clearTimeout(commitRetry);
    stream?.pause();
    log(
      `stopping: no more fetching; finishing ${batches.inFlight + batches.queued} batches in flight ` +
        `(${tracker.pendingCount()} events pending)`,
    );
    const timeoutMs = closeOptions.timeoutMs ?? 20_000;
    const timer = setTimeout(() => {
      const error = new Error(`in-flight batches did not finish within ${timeoutMs} ms`);
      error.name = 'ShutdownError';
      deadline.abort(error);
    }, timeoutMs);
    await batches.drain();
    clearTimeout(timer);
    const clean = !deadline.signal.aborted;
    // The last commit: what every finished batch earned. A failure here only means redelivery.
    for (let attempt = 1; attempt <= 3; attempt++) {
      await commit();
      const left =
        consumer === null ? [] : tracker.positionsToCommit(partitionsOf(consumer.assignments ?? []));
      if (left.length === 0) break;
      await sleep(500);
    }
    await stream?.close().catch((error: unknown) => {
      log(`closing the stream: ${describeError(error)}`);
    });
    await consumer?.close(true).catch((error: unknown) => {
      log(`leaving the group: ${describeError(error)}`);
    });
    await consuming;
    await producer.close(true).catch((error: unknown) => {
      log(`closing the producer: ${describeError(error)}`);
    });
    // A read of the topics' limit still under way has its own connection: let it finish and close it.
    await limitRead;
    // After the drain nothing is in flight but what the deadline abandoned: closing waits for nothing long.
    await pool.close().catch((error: unknown) => {
      log(`closing the scoring connections: ${describeError(error)}`);
    });
    if (server !== null) {
      const closedServer = once(server, 'close');
      server.close();
      server.closeIdleConnections();
      await closedServer;
    }
    log(clean ? 'stopped: every consumed batch was written and committed' : 'stopped after the deadline');
    return { clean };
  }

  return {
    ready,
    isReady: () => joined && !closing,
    url,
    metrics,
    close: (closeOptions) => (closed ??= close(closeOptions)),
  };
}
