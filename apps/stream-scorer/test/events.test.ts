import { transactionSchema, type Transaction } from '@fraudops/contracts';
import { describe, expect, it } from 'vitest';
import { decodeEvent, joinProblems } from '../src/events.ts';

const [example] = transactionSchema.examples as unknown as [Transaction];
const bytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('decodeEvent', () => {
  it('accepts a valid transaction, labels included (replayed data carries them)', () => {
    expect(decodeEvent(bytes(example))).toEqual({ ok: true, transaction: example });
    expect(decodeEvent(bytes({ ...example, tx_fraud: 1, tx_fraud_scenario: 2 })).ok).toBe(true);
  });

  it('accepts a UTF-8 byte order mark before the JSON', () => {
    const value = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes(example)]);
    expect(decodeEvent(value).ok).toBe(true);
  });

  it.each([
    ['a null value', undefined, /the value is empty/],
    ['an empty value', Buffer.alloc(0), /the value is empty/],
    ['bytes that are not UTF-8', Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), /not valid UTF-8/],
    ['truncated JSON', Buffer.from('{"transaction_id": 1, '), /^the value is not valid JSON: /],
    ['text', Buffer.from('hello'), /^the value is not valid JSON: /],
  ])('refuses %s as invalid_json', (_name, value, reason) => {
    const decoded = decodeEvent(value);
    expect(decoded).toMatchObject({ ok: false, code: 'invalid_json' });
    expect(decoded.ok ? '' : decoded.reason).toMatch(reason);
  });

  it.each([
    ['an array', [example], 'the event must be a JSON object, not an array'],
    ['null', null, 'the event must be a JSON object, not null'],
    ['a number', 42, 'the event must be a JSON object, not a number'],
    ['a string', 'x', 'the event must be a JSON object, not a string'],
  ])('refuses %s as invalid_event', (_name, value, reason) => {
    expect(decodeEvent(bytes(value))).toEqual({ ok: false, code: 'invalid_event', reason });
  });

  it('names the field that is wrong, as the scoring API does', () => {
    const { tx_amount: _amount, ...missing } = example;
    const cases: [unknown, string][] = [
      [missing, '/tx_amount is required'],
      [{ ...example, tx_amount: 'lots' }, '/tx_amount must be number'],
      // No coercion: a number in a string is not a number.
      [{ ...example, customer_id: '3344' }, '/customer_id must be integer'],
      [{ ...example, merchant: 'acme' }, '/merchant is not an allowed field'],
      [{ ...example, tx_amount: -5 }, '/tx_amount must be >= 0'],
      [{ ...example, tx_during_night: 2 }, '/tx_during_night must be one of 0, 1'],
      [{ ...example, tx_datetime: 'yesterday' }, '/tx_datetime must match pattern'],
    ];
    for (const [event, reason] of cases) {
      const decoded = decodeEvent(bytes(event));
      expect(decoded, reason).toMatchObject({ ok: false, code: 'invalid_event' });
      expect(decoded.ok ? '' : decoded.reason, reason).toContain(reason);
    }
  });

  it('lists every problem of an event, up to a bound', () => {
    const decoded = decodeEvent(bytes({ ...example, tx_amount: 'x', customer_id: -1, extra: 1 }));
    expect(decoded.ok ? '' : decoded.reason).toBe(
      '/extra is not an allowed field; /customer_id must be >= 0; /tx_amount must be number',
    );
    const empty = decodeEvent(bytes({}));
    expect(empty.ok ? '' : empty.reason).toMatch(
      /^\/transaction_id is required; .* \(and 14 more problems\)$/,
    );
  });
});

describe('joinProblems', () => {
  it('joins up to five problems and counts the rest', () => {
    expect(joinProblems(['a'])).toBe('a');
    expect(joinProblems(['a', 'b', 'c', 'd', 'e', 'f'])).toBe('a; b; c; d; e (and 1 more problem)');
    expect(joinProblems(['a', 'b', 'c', 'd', 'e', 'f', 'g'])).toBe('a; b; c; d; e (and 2 more problems)');
  });
});
