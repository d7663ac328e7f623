// The records the scorer writes: a score keyed by its transaction id, and a dead letter that carries the
// original bytes untouched (whatever they were: they are the evidence) with why and where they came from.
import type { Score } from '@fraudops/contracts';
import type { MessageToProduce } from '@platformatic/kafka';
import type { DeadLetterCode } from './events.ts';

/** Keys and values are raw bytes; header keys and values are strings. */
export type OutputRecord = MessageToProduce<Buffer, Buffer, string, string>;

/** Where a consumed message came from, with its raw key and value. */
export interface SourceMessage {
  topic: string;
  partition: number;
  offset: bigint;
  key: Buffer | undefined;
  value: Buffer | undefined;
}

export function scoreRecord(topic: string, score: Score): OutputRecord {
  return {
    topic,
    key: Buffer.from(String(score.transaction_id)),
    value: Buffer.from(JSON.stringify(score)),
  };
}

export const DEAD_LETTER_HEADERS = {
  reason: 'x-dead-letter-reason',
  code: 'x-dead-letter-code',
  topic: 'x-original-topic',
  partition: 'x-original-partition',
  offset: 'x-original-offset',
  failedAt: 'x-failed-at',
} as const;

export function deadLetterRecord(
  topic: string,
  source: SourceMessage,
  failure: { code: DeadLetterCode; reason: string },
  failedAt: Date,
): OutputRecord {
  const record: OutputRecord = {
    topic,
    headers: {
      [DEAD_LETTER_HEADERS.reason]: failure.reason,
      [DEAD_LETTER_HEADERS.code]: failure.code,
      [DEAD_LETTER_HEADERS.topic]: source.topic,
      [DEAD_LETTER_HEADERS.partition]: String(source.partition),
      [DEAD_LETTER_HEADERS.offset]: String(source.offset),
      [DEAD_LETTER_HEADERS.failedAt]: failedAt.toISOString(),
    },
  };
  // A null key or value stays null: absent, not an empty buffer.
  if (source.key !== undefined) record.key = source.key;
  if (source.value !== undefined) record.value = source.value;
  return record;
}

/** Roughly what a record adds to a produce request: its bytes plus the record's own framing. */
export function recordSize(record: OutputRecord): number {
  let size = 32 + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  const headers = record.headers as Record<string, string> | undefined;
  for (const [name, value] of Object.entries(headers ?? {}))
    size += 8 + Buffer.byteLength(name) + Buffer.byteLength(value);
  return size;
}
