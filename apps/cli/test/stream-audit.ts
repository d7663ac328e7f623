// Test support for the nothing-lost check: stream whole topics (millions of records: nothing is kept but ids
// and positions), then account for every transaction produced.
import { scoreSchema, scoredTransactionSchema, transactionSchema } from '@fraudops/contracts';
import { Consumer } from '@platformatic/kafka';
import ajvModule from 'ajv';

const validateScoredTransaction = new ajvModule.default({ strict: false })
  .addSchema([transactionSchema, scoreSchema])
  .compile(scoredTransactionSchema);

type OnRecord = (partition: number, offset: bigint, value: Buffer, headers: Map<Buffer, Buffer>) => void;

/** Calls onRecord for every record up to the topic's end offsets at the time of the call; fails past the deadline. */
export async function streamWholeTopic(
  bootstrap: string,
  topic: string,
  onRecord: OnRecord,
  timeoutMs = 300_000,
): Promise<number> {
  const consumer = new Consumer({
    clientId: 'fraudops-test-reader',
    groupId: `fraudops-test-reader-${String(process.pid)}-${String(Date.now())}-${topic}`,
    bootstrapBrokers: [bootstrap],
  });
  try {
    const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
    // Done per partition once its last offset was seen (start offsets need not be 0).
    const pending = new Set(ends.flatMap((end, partition) => (end > 0n ? [partition] : [])));
    let count = 0;
    if (pending.size === 0) return count;
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    const deadline = setTimeout(() => void stream.close(), timeoutMs);
    for await (const message of stream) {
      const end = ends[message.partition] ?? 0n;
      if (message.offset >= end) continue;
      onRecord(message.partition, message.offset, message.value, message.headers);
      count++;
      if (message.offset === end - 1n) pending.delete(message.partition);
      if (pending.size === 0) break;
    }
    clearTimeout(deadline);
    await stream.close();
    if (pending.size > 0)
      throw new Error(`${topic}: partitions ${[...pending].join(', ')} not read to their end`);
    return count;
  } finally {
    await consumer.close(true);
  }
}

export interface DeadLetter {
  position: string;
  value: Buffer;
  reason: string | undefined;
}

export interface StreamAudit {
  produced: number;
  scored: number;
  duplicateScores: number;
  /** Distinct transaction ids in the scores topic. */
  distinctScores: number;
  /** Distinct transaction ids in the labels topic. */
  labels: number;
  /** Records of the scores topic that are no ScoredTransaction (the first few, with ajv's first error). */
  scoresBreakingContract: string[];
  deadLetters: DeadLetter[];
  /** Produced records whose position is in the dead-letter topic, and whether their bytes match. */
  producedDeadLettered: number;
  deadLetterBytesMismatched: number;
  /** Produced records found neither in scores (by id) nor in the dead-letter topic (by partition/offset). */
  missing: string[];
}

const header = (headers: Map<Buffer, Buffer>, name: string): string | undefined => {
  for (const [key, value] of headers) if (key.toString('utf8') === name) return value.toString('utf8');
  return undefined;
};

/** Reads dead letters, then scores, then transactions, accounting for every transaction produced. */
export async function auditStream(
  bootstrap: string,
  topics: { transactions: string; scores: string; deadLetter: string; labels: string },
): Promise<StreamAudit> {
  const deadLetters: DeadLetter[] = [];
  await streamWholeTopic(bootstrap, topics.deadLetter, (_p, _o, value, headers) => {
    deadLetters.push({
      position: `${header(headers, 'x-original-partition') ?? '?'}/${header(headers, 'x-original-offset') ?? '?'}`,
      value: Buffer.from(value),
      reason: header(headers, 'x-dead-letter-reason'),
    });
  });
  const deadByPosition = new Map(deadLetters.map((d) => [d.position, d]));
  const scoredIds = new Set<number>();
  let duplicateScores = 0;
  const scoresBreakingContract: string[] = [];
  await streamWholeTopic(bootstrap, topics.scores, (partition, offset, value) => {
    const record: unknown = JSON.parse(value.toString('utf8'));
    if (!validateScoredTransaction(record) && scoresBreakingContract.length < 10) {
      const [error] = validateScoredTransaction.errors ?? [];
      scoresBreakingContract.push(
        `${String(partition)}/${String(offset)}: ${error?.instancePath ?? ''} ${error?.message ?? ''}`,
      );
    }
    const id = (record as { transaction_id: number }).transaction_id;
    if (scoredIds.has(id)) duplicateScores++;
    scoredIds.add(id);
  });
  let producedDeadLettered = 0;
  let deadLetterBytesMismatched = 0;
  let scored = 0;
  const missing: string[] = [];
  const produced = await streamWholeTopic(bootstrap, topics.transactions, (partition, offset, value) => {
    const position = `${String(partition)}/${String(offset)}`;
    const dead = deadByPosition.get(position);
    if (dead) {
      producedDeadLettered++;
      if (!dead.value.equals(value)) deadLetterBytesMismatched++;
      return;
    }
    let id: unknown;
    try {
      id = (JSON.parse(value.toString('utf8')) as { transaction_id?: unknown }).transaction_id;
    } catch {
      missing.push(`${position}: not JSON and not dead-lettered`);
      return;
    }
    if (typeof id === 'number' && scoredIds.has(id)) scored++;
    else missing.push(`${position}: id ${String(id)} has no score`);
  });
  const labelIds = new Set<number>();
  await streamWholeTopic(bootstrap, topics.labels, (_p, _o, value) => {
    labelIds.add((JSON.parse(value.toString('utf8')) as { transaction_id: number }).transaction_id);
  });
  return {
    produced,
    scored,
    duplicateScores,
    distinctScores: scoredIds.size,
    labels: labelIds.size,
    scoresBreakingContract,
    deadLetters,
    producedDeadLettered,
    deadLetterBytesMismatched,
    missing,
  };
}
