// Test support for the nothing-lost check: read whole topics, then account for every transaction produced.
import { Consumer } from '@platformatic/kafka';

export interface TopicRecord {
  partition: number;
  offset: bigint;
  key: string;
  value: Buffer;
  headers: Map<string, string>;
}

/** Every record of the topic from the beginning to its end offsets at the time of the call. */
export async function readWholeTopic(bootstrap: string, topic: string): Promise<TopicRecord[]> {
  const consumer = new Consumer({
    clientId: 'fraudops-test-reader',
    groupId: `fraudops-test-reader-${String(process.pid)}-${String(Date.now())}`,
    bootstrapBrokers: [bootstrap],
  });
  try {
    const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
    const wanted = ends.reduce((sum, end) => sum + Number(end), 0);
    const records: TopicRecord[] = [];
    if (wanted === 0) return records;
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    for await (const message of stream) {
      if (message.offset >= (ends[message.partition] ?? 0n)) continue;
      records.push({
        partition: message.partition,
        offset: message.offset,
        key: message.key.toString('utf8'),
        value: message.value,
        headers: new Map([...message.headers].map(([k, v]) => [k.toString('utf8'), v.toString('utf8')])),
      });
      if (records.length >= wanted) break;
    }
    await stream.close();
    return records;
  } finally {
    await consumer.close(true);
  }
}

export interface StreamAudit {
  produced: number;
  /** Valid transactions produced, by id. */
  validIds: Set<number>;
  scoredIds: Set<number>;
  /** Score records beyond the first per id: at-least-once redeliveries. */
  duplicateScores: number;
  deadLettered: number;
  /** Produced records whose position is in the dead-letter topic. */
  producedDeadLettered: number;
  /** Produced records found neither in scores (by id) nor in the dead-letter topic (by partition/offset). */
  missing: { partition: number; offset: bigint; why: string }[];
}

/** Accounts for every record of `transactions` in `scores` or in the dead-letter topic. */
export function auditStream(
  transactions: readonly TopicRecord[],
  scores: readonly TopicRecord[],
  deadLetters: readonly TopicRecord[],
): StreamAudit {
  const scoredIds = new Set<number>();
  let duplicateScores = 0;
  for (const record of scores) {
    const id = (JSON.parse(record.value.toString('utf8')) as { transaction_id: number }).transaction_id;
    if (scoredIds.has(id)) duplicateScores++;
    scoredIds.add(id);
  }
  const deadByPosition = new Set(
    deadLetters.map(
      (r) => `${r.headers.get('x-original-partition') ?? '?'}/${r.headers.get('x-original-offset') ?? '?'}`,
    ),
  );
  const validIds = new Set<number>();
  const missing: StreamAudit['missing'] = [];
  let producedDeadLettered = 0;
  for (const record of transactions) {
    if (deadByPosition.has(`${String(record.partition)}/${String(record.offset)}`)) {
      producedDeadLettered++;
      continue;
    }
    let id: unknown;
    try {
      id = (JSON.parse(record.value.toString('utf8')) as { transaction_id?: unknown }).transaction_id;
    } catch {
      missing.push({
        partition: record.partition,
        offset: record.offset,
        why: 'not JSON and not dead-lettered',
      });
      continue;
    }
    if (typeof id !== 'number' || !scoredIds.has(id)) {
      missing.push({
        partition: record.partition,
        offset: record.offset,
        why: `id ${String(id)} has no score`,
      });
      continue;
    }
    validIds.add(id);
  }
  return {
    produced: transactions.length,
    validIds,
    scoredIds,
    duplicateScores,
    deadLettered: deadLetters.length,
    producedDeadLettered,
    missing,
  };
}
