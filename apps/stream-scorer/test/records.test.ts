import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS, deadLetterRecord, scoreRecord } from '../src/records.ts';

describe('scoreRecord', () => {
  it('is keyed by the transaction id and carries the score as JSON', () => {
    const score = { transaction_id: 1264466, fraud_probability: 0.92, is_fraud: true, model_version: 'v1' };
    const record = scoreRecord('scores', score);
    expect(record.topic).toBe('scores');
    expect(record.key?.toString()).toBe('1264466');
    expect(JSON.parse(record.value?.toString() ?? '')).toEqual(score);
  });
});

describe('deadLetterRecord', () => {
  const failedAt = new Date('2026-01-02T03:04:05.678Z');

  it('keeps the original key and bytes and says why and where from', () => {
    const value = Buffer.from([0x7b, 0xff, 0x00, 0x7d]);
    const key = Buffer.from([0x01, 0x02]);
    const record = deadLetterRecord(
      'transactions.dead-letter',
      { topic: 'transactions', partition: 4, offset: 123456789012n, key, value },
      { code: 'invalid_json', reason: 'the value is not valid UTF-8' },
      failedAt,
    );
    expect(record.topic).toBe('transactions.dead-letter');
    expect(record.key).toBe(key);
    expect(record.value).toBe(value);
    expect(record.headers).toEqual({
      [DEAD_LETTER_HEADERS.reason]: 'the value is not valid UTF-8',
      [DEAD_LETTER_HEADERS.code]: 'invalid_json',
      [DEAD_LETTER_HEADERS.topic]: 'transactions',
      [DEAD_LETTER_HEADERS.partition]: '4',
      [DEAD_LETTER_HEADERS.offset]: '123456789012',
      [DEAD_LETTER_HEADERS.failedAt]: '2026-01-02T03:04:05.678Z',
    });
    expect(Object.keys(DEAD_LETTER_HEADERS).length).toBe(6);
  });

  it('leaves a null key or value null rather than empty', () => {
    const record = deadLetterRecord(
      'dl',
      { topic: 't', partition: 0, offset: 0n, key: undefined, value: undefined },
      { code: 'invalid_json', reason: 'the value is empty; expected a JSON object' },
      failedAt,
    );
    expect('key' in record).toBe(false);
    expect('value' in record).toBe(false);
  });
});
