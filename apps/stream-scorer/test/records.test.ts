import { createHash } from 'node:crypto';
import { createRecordsBatch, type MessageRecord } from '@platformatic/kafka';
import {
  scoreSchema,
  scoredTransactionSchema,
  transactionSchema,
  withoutLabels,
  type Transaction,
} from '@fraudops/contracts';
import ajvModule from 'ajv';
import { describe, expect, it } from 'vitest';
import {
  DEAD_LETTER_HEADERS,
  KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
  MAX_REASON_BYTES,
  deadLetterRecord,
  recordSize,
  scoredTransactionRecord,
  truncateText,
  type Header,
  type OutputRecord,
  type SourceMessage,
} from '../src/records.ts';

const examples = transactionSchema.examples as unknown as Transaction[];
const validateScoredTransaction = new ajvModule.default({ strict: false })
  .addSchema([transactionSchema, scoreSchema])
  .compile(scoredTransactionSchema);

describe('scoredTransactionRecord', () => {
  const transaction: Transaction = { ...(examples[0] as Transaction), tx_fraud: 1, tx_fraud_scenario: 2 };
  const score = {
    transaction_id: transaction.transaction_id,
    fraud_probability: 0.92,
    is_fraud: true,
    model_version: 'v1',
    registry_version: '3',
  };

  it('is keyed by the transaction id and carries the transaction, without its labels, with its score', () => {
    const record = scoredTransactionRecord('scores', transaction, score);
    expect(record.topic).toBe('scores');
    expect(record.key?.toString()).toBe(String(transaction.transaction_id));
    const value: unknown = JSON.parse(record.value?.toString() ?? '');
    expect(value).toEqual({ ...withoutLabels(transaction), ...score });
    expect(value).not.toHaveProperty('tx_fraud');
    expect(validateScoredTransaction(value), JSON.stringify(validateScoredTransaction.errors)).toBe(true);
  });

  it('refuses to pair a score with another transaction', () => {
    expect(() =>
      scoredTransactionRecord('scores', transaction, { ...score, transaction_id: score.transaction_id + 1 }),
    ).toThrow(/paired with transaction/);
  });
});

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** The record's headers as [name, value] text pairs, in order, repeats kept. */
const headerList = (record: OutputRecord): [string, string][] =>
  [...(record.headers as Map<Buffer, Buffer>)].map(([name, value]) => [name.toString(), value.toString()]);

const headerOf = (record: OutputRecord, name: string): string | undefined =>
  headerList(record).find(([n]) => n === name)?.[1];

/** The bytes of the record batch the producer sends for this record alone (the broker's limit applies to it). */
const batchBytes = (record: OutputRecord): number => {
  const message: MessageRecord = {
    topic: record.topic,
    value: record.value as Buffer,
    headers: record.headers as Map<Buffer, Buffer>,
  };
  if (record.key !== undefined) message.key = record.key;
  return createRecordsBatch([message]).length;
};

const source = (parts: Partial<SourceMessage>): SourceMessage => ({
  topic: 'transactions',
  partition: 2,
  offset: 41n,
  key: undefined,
  value: undefined,
  headers: [],
  ...parts,
});

const invalid = { code: 'invalid_json', reason: 'the value is not valid JSON' } as const;

describe('deadLetterRecord', () => {
  const failedAt = new Date('2026-01-02T03:04:05.678Z');

  it('keeps the original key, bytes and headers and says why and where from', () => {
    const value = Buffer.from([0x7b, 0xff, 0x00, 0x7d]);
    const key = Buffer.from([0x01, 0x02]);
    // Headers as Kafka has them: a repeated name, a value that is not UTF-8.
    const headers: Header[] = [
      [Buffer.from('trace'), Buffer.from('a')],
      [Buffer.from('trace'), Buffer.from('b')],
      [Buffer.from('bin'), Buffer.from([0xff, 0x00])],
    ];
    const record = deadLetterRecord(
      'transactions.dead-letter',
      source({ partition: 4, offset: 123456789012n, key, value, headers }),
      { code: 'invalid_json', reason: 'the value is not valid UTF-8' },
      failedAt,
    );
    expect(record.topic).toBe('transactions.dead-letter');
    expect(record.key).toBe(key);
    expect(record.value).toBe(value);
    // The scorer's headers first, then the original ones, unchanged and in order.
    expect(headerList(record).slice(0, 8)).toEqual([
      [DEAD_LETTER_HEADERS.reason, 'the value is not valid UTF-8'],
      [DEAD_LETTER_HEADERS.code, 'invalid_json'],
      [DEAD_LETTER_HEADERS.topic, 'transactions'],
      [DEAD_LETTER_HEADERS.partition, '4'],
      [DEAD_LETTER_HEADERS.offset, '123456789012'],
      [DEAD_LETTER_HEADERS.failedAt, '2026-01-02T03:04:05.678Z'],
      [DEAD_LETTER_HEADERS.valueBytes, '4'],
      [DEAD_LETTER_HEADERS.valueSha256, sha256(value)],
    ]);
    expect([...(record.headers as Map<Buffer, Buffer>)].slice(8)).toEqual(headers);
    expect(headerOf(record, DEAD_LETTER_HEADERS.truncated)).toBeUndefined();
  });

  it('leaves a null key or value null rather than empty', () => {
    const record = deadLetterRecord(
      'dl',
      source({}),
      { code: 'invalid_json', reason: 'the value is empty; expected a JSON object' },
      failedAt,
    );
    expect('key' in record).toBe(false);
    expect('value' in record).toBe(false);
    expect(headerOf(record, DEAD_LETTER_HEADERS.valueBytes)).toBeUndefined();
  });

  it('keeps a record that just fits whole', () => {
    const limit = 10_000;
    const fits = (length: number): OutputRecord =>
      deadLetterRecord('dl', source({ value: Buffer.alloc(length, 0x61) }), invalid, failedAt, limit);
    let length = 9000;
    while (headerOf(fits(length + 1), DEAD_LETTER_HEADERS.truncated) === undefined) length++;
    // The largest value kept whole makes a batch within the limit, and not far from it: the size is a bound
    // that counts every length varint at its widest (5 bytes), about 90 bytes too many for 9 headers.
    expect(batchBytes(fits(length))).toBeLessThanOrEqual(limit);
    expect(batchBytes(fits(length))).toBeGreaterThan(limit - 128);
    expect(fits(length).value?.length).toBe(length);
  });

  it.each([
    ['the default limit', KAFKA_DEFAULT_MAX_MESSAGE_BYTES],
    ['a small limit', 4096],
  ])('cuts a value just under %s to fit, with its size and sha256', (_name, limit) => {
    const value = Buffer.alloc(limit - 20, 0x7b);
    const key = Buffer.from('poison-1');
    const headers: Header[] = [[Buffer.from('origin'), Buffer.from('attack')]];
    const record = deadLetterRecord('dl', source({ key, value, headers }), invalid, failedAt, limit);
    expect(batchBytes(record)).toBeLessThanOrEqual(limit);
    expect(record.key).toEqual(key);
    expect(record.value?.length).toBeLessThan(value.length);
    expect(record.value?.length).toBeGreaterThan(limit - 1024);
    expect(Buffer.compare(record.value as Buffer, value.subarray(0, record.value?.length))).toBe(0);
    expect(headerOf(record, DEAD_LETTER_HEADERS.truncated)).toBe('value');
    expect(headerOf(record, DEAD_LETTER_HEADERS.valueBytes)).toBe(String(value.length));
    expect(headerOf(record, DEAD_LETTER_HEADERS.valueSha256)).toBe(sha256(value));
    expect(headerList(record).at(-1)).toEqual(['origin', 'attack']);
  });

  it('drops the original headers when they alone are too large, then cuts a key that still is', () => {
    const limit = 8192;
    const headers: Header[] = [[Buffer.from('huge'), Buffer.alloc(limit, 0x68)]];
    const value = Buffer.from('{"a": 1}');
    const dropped = deadLetterRecord('dl', source({ value, headers }), invalid, failedAt, limit);
    expect(batchBytes(dropped)).toBeLessThanOrEqual(limit);
    expect(headerOf(dropped, DEAD_LETTER_HEADERS.truncated)).toBe('headers');
    expect(headerOf(dropped, 'huge')).toBeUndefined();
    expect(dropped.value).toEqual(value);

    const key = Buffer.alloc(limit, 0x6b);
    const cut = deadLetterRecord('dl', source({ key, value, headers }), invalid, failedAt, limit);
    expect(batchBytes(cut)).toBeLessThanOrEqual(limit);
    expect(headerOf(cut, DEAD_LETTER_HEADERS.truncated)).toBe('value,headers,key');
    expect(cut.value?.length).toBe(0);
    expect((cut.key as Buffer).length).toBeGreaterThan(limit / 2);
    expect(headerOf(cut, DEAD_LETTER_HEADERS.valueSha256)).toBe(sha256(value));
  });

  it('cuts a reason that names a huge field, at a character boundary', () => {
    const reason = `/${'é'.repeat(100_000)} is not an allowed field`;
    const record = deadLetterRecord(
      'dl',
      source({ value: Buffer.from('{}') }),
      { code: 'invalid_event', reason },
      failedAt,
    );
    const written = headerOf(record, DEAD_LETTER_HEADERS.reason) as string;
    expect(Buffer.byteLength(written)).toBeLessThanOrEqual(MAX_REASON_BYTES);
    expect(written).toMatch(/^\/é+ \.\.\. \(truncated\)$/);
    expect(truncateText('short', 10).toString()).toBe('short');
  });

  it('sizes every record at least as large as the producer encodes it', () => {
    const records = [
      scoredTransactionRecord('scores', examples[0] as Transaction, {
        transaction_id: (examples[0] as Transaction).transaction_id,
        fraud_probability: 0.5,
        is_fraud: true,
        model_version: 'v',
      }),
      deadLetterRecord(
        'dl',
        source({
          key: Buffer.alloc(300),
          value: Buffer.alloc(70_000),
          headers: [[Buffer.alloc(200), Buffer.alloc(20_000)]],
        }),
        invalid,
        failedAt,
      ),
    ];
    for (const record of records) expect(recordSize(record) + 61).toBeGreaterThanOrEqual(batchBytes(record));
  });
});
