// The records the scorer writes: a scored transaction keyed by its id, and a dead letter that carries the
// original bytes untouched (whatever they were: they are the evidence) with why and where they came from.
//
// A dead letter must always fit the dead-letter topic: a poison event just under the broker's limit would
// otherwise go over it with the dead-letter headers, be refused on every retry, and hold its partition's
// commits back for good. So a dead letter that would not fit is cut down to the limit (value first; then the
// original headers; then the key), and says what was cut; its value's size and sha256 are always there, so
// a truncated value can still be matched with the original.
import { createHash } from 'node:crypto';
import { withoutLabels, type Score, type ScoredTransaction, type Transaction } from '@fraudops/contracts';
import type { MessageToProduce } from '@platformatic/kafka';
import type { DeadLetterCode } from './events.ts';

/** Keys, values, header names and header values are raw bytes (an original header may not be UTF-8). */
export type OutputRecord = MessageToProduce;

/** A header as Kafka has it: names may repeat, values are bytes. */
export type Header = readonly [Buffer, Buffer];

/** Where a consumed message came from, with its raw key, value and headers. */
export interface SourceMessage {
  topic: string;
  partition: number;
  offset: bigint;
  key: Buffer | undefined;
  value: Buffer | undefined;
  headers: readonly Header[];
}

/**
 * Kafka's default `message.max.bytes` (broker) and `max.message.bytes` (topic): the largest record batch a
 * partition takes. Nothing in the stack or the cluster changes it; the scorer reads the topics' real value at
 * start (scorer.ts) and uses this only when it cannot.
 */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** A record batch's own header (offset, length, epoch, magic, crc, attributes, ... record count). */
export const RECORD_BATCH_OVERHEAD = 61;
/** At most what a record's framing adds: length, attributes, timestamp and offset deltas, key and value lengths, header count. */
const RECORD_FRAMING = 5 + 1 + 10 + 5 + 5 + 5 + 5;
/** At most what a header's two length varints add. */
const HEADER_FRAMING = 5 + 5;
/** A reason longer than this (e.g. naming a field whose name is a megabyte) is cut; the code says enough. */
export const MAX_REASON_BYTES = 1024;

/**
 * The transaction as it came (without labels, which a live client never has and the lake must not take from
 * the stream) and its score, in one record: the lake keeps every scored transaction with the inputs the model
 * saw, and the quality of the model is later measured on exactly those.
 */
export function scoredTransactionRecord(topic: string, transaction: Transaction, score: Score): OutputRecord {
  if (score.transaction_id !== transaction.transaction_id)
    throw new Error(
      `score of transaction ${score.transaction_id} paired with transaction ${transaction.transaction_id}`,
    );
  const scored: ScoredTransaction = { ...withoutLabels(transaction), ...score };
  return {
    topic,
    key: Buffer.from(String(score.transaction_id)),
    value: Buffer.from(JSON.stringify(scored)),
  };
}

/**
 * The scorer's own headers come first, then the original record's, unchanged and in order; a reader that
 * meets a name twice (an event that was a dead letter before) takes the first.
 */
export const DEAD_LETTER_HEADERS = {
  reason: 'x-dead-letter-reason',
  code: 'x-dead-letter-code',
  topic: 'x-original-topic',
  partition: 'x-original-partition',
  offset: 'x-original-offset',
  failedAt: 'x-failed-at',
  /** The original value's size in bytes and its sha256 (hex); absent for a null value. */
  valueBytes: 'x-original-value-bytes',
  valueSha256: 'x-original-value-sha256',
  /** Only on a dead letter that was cut to fit: what was cut, e.g. `value` or `value,headers`. */
  truncated: 'x-dead-letter-truncated',
} as const;

/** The longest `x-dead-letter-truncated` value, reserved before knowing what has to be cut. */
const ALL_TRUNCATED = 'value,headers,key';

const header = (name: string, value: string | Buffer): Header => [Buffer.from(name), Buffer.from(value)];

/** The first `maxBytes` bytes of the text, cut at a character boundary, marked as cut when it was. */
export function truncateText(text: string, maxBytes: number): Buffer {
  const bytes = Buffer.from(text);
  if (bytes.length <= maxBytes) return bytes;
  const marker = Buffer.from(' ... (truncated)');
  let end = Math.max(0, maxBytes - marker.length);
  // Back off over UTF-8 continuation bytes (10xxxxxx) so that no character is split.
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return Buffer.concat([bytes.subarray(0, end), marker]);
}

/** At most how many bytes a record with these parts adds to a record batch. */
export function recordBytes(
  key: Buffer | undefined,
  value: Buffer | undefined,
  headers: readonly Header[],
): number {
  let size = RECORD_FRAMING + (key?.length ?? 0) + (value?.length ?? 0);
  for (const [name, text] of headers) size += HEADER_FRAMING + name.length + text.length;
  return size;
}

/** At most how many bytes the record adds to a record batch. */
export function recordSize(record: OutputRecord): number {
  const headers = record.headers instanceof Map ? [...record.headers] : [];
  return recordBytes(record.key, record.value, headers);
}

/**
 * The dead letter of `source`, no larger than a record batch of `maxMessageBytes` (the dead-letter topic's
 * `max.message.bytes`) can hold on its own.
 */
export function deadLetterRecord(
  topic: string,
  source: SourceMessage,
  failure: { code: DeadLetterCode; reason: string },
  failedAt: Date,
  maxMessageBytes = KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
): OutputRecord {
  const ours: Header[] = [
    header(DEAD_LETTER_HEADERS.reason, truncateText(failure.reason, MAX_REASON_BYTES)),
    header(DEAD_LETTER_HEADERS.code, failure.code),
    header(DEAD_LETTER_HEADERS.topic, source.topic),
    header(DEAD_LETTER_HEADERS.partition, String(source.partition)),
    header(DEAD_LETTER_HEADERS.offset, String(source.offset)),
    header(DEAD_LETTER_HEADERS.failedAt, failedAt.toISOString()),
  ];
  if (source.value !== undefined) {
    ours.push(
      header(DEAD_LETTER_HEADERS.valueBytes, String(source.value.length)),
      header(DEAD_LETTER_HEADERS.valueSha256, createHash('sha256').update(source.value).digest('hex')),
    );
  }
  const budget = maxMessageBytes - RECORD_BATCH_OVERHEAD;
  let { key, value } = source;
  let originals = source.headers;
  const cut: string[] = [];
  if (recordBytes(key, value, [...ours, ...originals]) > budget) {
    const reserved = [...ours, header(DEAD_LETTER_HEADERS.truncated, ALL_TRUNCATED)];
    const empty = value === undefined ? undefined : Buffer.alloc(0);
    let room = budget - recordBytes(key, empty, [...reserved, ...originals]);
    if (room < 0 && originals.length > 0) {
      originals = [];
      cut.push('headers');
      room = budget - recordBytes(key, empty, reserved);
    }
    if (value !== undefined && value.length > Math.max(0, room)) {
      value = value.subarray(0, Math.max(0, room));
      cut.unshift('value');
    }
    if (room < 0 && key !== undefined) {
      key = key.subarray(0, Math.max(0, key.length + room));
      cut.push('key');
    }
    ours.push(header(DEAD_LETTER_HEADERS.truncated, cut.join(',')));
  }
  // Buffer names are distinct Map keys even when equal, so a repeated original header stays repeated.
  const record: OutputRecord = { topic, headers: new Map([...ours, ...originals]) };
  // A null key or value stays null: absent, not an empty buffer.
  if (key !== undefined) record.key = key;
  if (value !== undefined) record.value = value;
  return record;
}
