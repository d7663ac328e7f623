import { transactionSchema, type Transaction } from '@fraudops/contracts';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { POISON_KINDS, firstTransactionId, poisonFor, renderEvent, txDatetime } from '../src/events.ts';

const template: Transaction = {
  transaction_id: 1264132,
  tx_datetime: '2018-08-08 00:00:18',
  customer_id: 3344,
  terminal_id: 6772,
  tx_amount: 29.02,
  tx_during_weekend: 0,
  tx_during_night: 1,
  customer_id_nb_tx_1day_window: 5,
  customer_id_avg_amount_1day_window: 29.716,
  customer_id_nb_tx_7day_window: 24,
  customer_id_avg_amount_7day_window: 37.67,
  customer_id_nb_tx_30day_window: 83,
  customer_id_avg_amount_30day_window: 35.7,
  terminal_id_nb_tx_1day_window: 1,
  terminal_id_risk_1day_window: 0,
  terminal_id_nb_tx_7day_window: 5,
  terminal_id_risk_7day_window: 0,
  terminal_id_nb_tx_30day_window: 21,
  terminal_id_risk_30day_window: 0,
};
const validate = new Ajv({ allErrors: true, keywords: ['x-model-features'] }).compile(transactionSchema);
const at = new Date('2026-11-26T17:45:03.120Z');

describe('attack events', () => {
  it('are the replayed transaction with a fresh id and the current time, keyed by customer', () => {
    const event = renderEvent(template, 42, at, null);
    const value = JSON.parse(event.value) as Transaction;
    expect(value).toEqual({ ...template, transaction_id: 42, tx_datetime: '2026-11-26 17:45:03' });
    expect(event.key).toBe('3344');
    expect(validate(value)).toBe(true);
  });

  it('break in each poison way so that the scorer must refuse them', () => {
    for (const kind of POISON_KINDS) {
      const { value } = renderEvent(template, 7, at, kind);
      if (kind === 'not-json') {
        expect(() => JSON.parse(value) as unknown).toThrow();
      } else {
        expect(validate(JSON.parse(value)), kind).toBe(false);
      }
    }
  });

  it('spreads poison evenly at the ratio, cycling through the kinds', () => {
    const picks = Array.from({ length: 4000 }, (_, n) => poisonFor(n, 0.001));
    const poisoned = picks.filter((p) => p !== null);
    expect(poisoned).toEqual(['not-json', 'missing-field', 'wrong-type', 'unknown-field']);
    expect(picks.indexOf('not-json')).toBe(999);
    expect(Array.from({ length: 100 }, (_, n) => poisonFor(n, 0)).every((p) => p === null)).toBe(true);
  });

  it('take ids no earlier attack used, within JavaScript safe integers', () => {
    const earlier = firstTransactionId(new Date('2026-11-26T17:00:00Z'));
    const later = firstTransactionId(new Date('2026-11-26T17:00:01Z'));
    expect(later - earlier).toBe(1_000_000);
    expect(Number.isSafeInteger(firstTransactionId(new Date('2200-01-01T00:00:00Z')))).toBe(true);
    expect(txDatetime(at)).toBe('2026-11-26 17:45:03');
  });
});
