// scoreTransactions alone, with a model stand-in: the float32 rounding of a forest must not leave [0, 1].
import { transactionSchema, type Transaction } from '@fraudops/contracts';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { LoadedModel } from '../src/model/loaded-model.ts';
import type { ServiceMetrics } from '../src/plugins/metrics.ts';
import { scoreTransactions } from '../src/scoring.ts';

const registry = new Registry();
const metrics = {
  predictions: new Counter({
    name: 'p',
    help: 'p',
    labelNames: ['decision', 'model_version'],
    registers: [registry],
  }),
  fraudProbability: new Histogram({
    name: 'f',
    help: 'f',
    labelNames: ['model_version'],
    registers: [registry],
  }),
} as unknown as ServiceMetrics;

describe('scoreTransactions', () => {
  it('clamps float32 rounding just outside [0, 1] and applies the threshold', async () => {
    // 1 + 2^-23 and -2^-24: what float32 sums of leaf values produce.
    const model = {
      version: 'v1',
      card: { threshold: { value: 0.5 } },
      registry: null,
      score: () => Promise.resolve(Float32Array.from([1.0000001192092896, -5.960464477539063e-8, 0.25])),
    } as unknown as LoadedModel;
    const example = (transactionSchema.examples as unknown as Transaction[])[0] as Transaction;
    const rows = [1, 2, 3].map((id) => ({ ...example, transaction_id: id }));
    const scores = await scoreTransactions(model, rows, metrics);
    expect(scores.map((s) => s.fraud_probability)).toEqual([1, 0, 0.25]);
    expect(scores.map((s) => s.is_fraud)).toEqual([true, false, false]);
    expect(scores.map((s) => s.transaction_id)).toEqual([1, 2, 3]);
  });
});
