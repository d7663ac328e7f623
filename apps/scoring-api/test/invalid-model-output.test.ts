// A model that returns something other than a probability (NaN, infinite, far outside [0, 1]) is a fault of
// the service: the request is refused with a 500 that says why, the fault is counted, and no score (clamped
// or otherwise) reaches the client or the score metrics. Float32 rounding just outside [0, 1] stays a score.
import type { Transaction } from '@fraudops/contracts';
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LoadedModel } from '../src/model/loaded-model.ts';
import type { ServiceMetrics } from '../src/plugins/metrics.ts';
import { ModelOutputError, scoreTransactions } from '../src/scoring.ts';
import { appWithModel, replayTransactions, unlabelled } from './support/fixtures.ts';

let rows: Transaction[];
beforeAll(async () => {
  rows = (await replayTransactions(3)).map(unlabelled);
});

function doubleMetrics(): { metrics: ServiceMetrics; registry: Registry } {
  const registry = new Registry();
  const registers = [registry];
  const metrics = {
    predictions: new Counter({
      name: 'predictions',
      help: 'h',
      labelNames: ['decision', 'model_version'],
      registers,
    }),
    fraudProbability: new Histogram({
      name: 'fraud_probability',
      help: 'h',
      labelNames: ['model_version'],
      registers,
    }),
    invalidScores: new Counter({
      name: 'invalid_scores',
      help: 'h',
      labelNames: ['model_version'],
      registers,
    }),
  } as unknown as ServiceMetrics;
  return { metrics, registry };
}

/** A model stand-in whose session returns these fraud probabilities. */
const modelReturning = (probabilities: readonly number[]): LoadedModel =>
  ({
    version: 'v-double',
    card: { threshold: { value: 0.5 } },
    registry: null,
    score: () => Promise.resolve(Float32Array.from(probabilities)),
  }) as unknown as LoadedModel;

const total = async (registry: Registry, name: string): Promise<number> =>
  ((await registry.getSingleMetric(name)?.get())?.values ?? []).reduce((sum, v) => sum + v.value, 0);

describe('scoreTransactions with a model that returns no probability', () => {
  it.each([
    ['NaN', [0.2, Number.NaN, 0.7], 1],
    ['+Infinity', [Number.POSITIVE_INFINITY, 0.1, 0.2], 1],
    ['-Infinity', [0.3, 0.1, Number.NEGATIVE_INFINITY], 1],
    ['far above 1', [0.3, 7.25, 0.2], 1],
    ['far below 0', [-0.5, 0.5, Number.NaN], 2],
  ])('refuses %s: throws a 500 ModelOutputError, counts it, scores nothing', async (_name, output, bad) => {
    const { metrics, registry } = doubleMetrics();
    const scoring = scoreTransactions(modelReturning(output), rows, metrics);
    await expect(scoring).rejects.toBeInstanceOf(ModelOutputError);
    const error = (await scoring.catch((e: unknown) => e)) as ModelOutputError;
    expect(error.statusCode).toBe(500);
    expect(error.expose).toBe(true);
    const first = output.findIndex((p) => !(p >= 0 && p <= 1));
    expect(error.message).toBe(
      `model v-double returned ${String(Float32Array.from(output)[first])}, not a probability, for transaction ` +
        `${String(rows[first]?.transaction_id)}${bad > 1 ? ` (and ${bad - 1} more)` : ''}; no score is given`,
    );
    expect(await total(registry, 'invalid_scores')).toBe(bad);
    // Nothing of the refused request is counted as a prediction or a score.
    expect(await total(registry, 'predictions')).toBe(0);
    // No observation at all: the histogram's buckets, sum and count are all empty.
    expect(await total(registry, 'fraud_probability')).toBe(0);
  });

  it('still clamps float32 rounding within the tolerance and counts no fault', async () => {
    const { metrics, registry } = doubleMetrics();
    const scores = await scoreTransactions(
      modelReturning([1.0000001192092896, -5.960464477539063e-8, 0.25]),
      rows,
      metrics,
    );
    expect(scores.map((s) => s.fraud_probability)).toEqual([1, 0, 0.25]);
    expect(await total(registry, 'invalid_scores')).toBe(0);
    expect(await total(registry, 'predictions')).toBe(3);
  });
});

describe('the API with a model whose session returns NaN', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await app?.close();
    app = undefined;
  });

  async function appWhoseModelReturnsNaN() {
    const server = await appWithModel();
    app = server;
    const model = server.models.current as LoadedModel;
    // The real, validated model, with only its output replaced: NaN for the second row of every call.
    const score = vi
      .spyOn(model, 'score')
      .mockImplementation((transactions) =>
        Promise.resolve(Float32Array.from(transactions, (_t, i) => (i === 1 ? Number.NaN : 0.5))),
      );
    return { server, version: model.version, score };
  }

  it('answers /predict/batch with a 500 naming the fault, counts it, and returns no score', async () => {
    const { server, version } = await appWhoseModelReturnsNaN();
    const response = await server.inject({
      method: 'POST',
      url: '/predict/batch',
      payload: { transactions: rows },
    });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: `model ${version} returned NaN, not a probability, for transaction ${String(rows[1]?.transaction_id)}; no score is given`,
    });
    expect(response.body).not.toContain('fraud_probability');
    const metrics = (await server.inject('/metrics')).body;
    expect(metrics).toContain(`scoring_api_invalid_scores_total{model_version="${version}"} 1`);
    expect(metrics).not.toMatch(/scoring_api_predictions_total\{/);
    expect(metrics).toContain(
      'scoring_api_http_requests_total{method="POST",route="/predict/batch",status_code="500"} 1',
    );
  });

  it('answers /predict for the NaN row with a 500 and still scores a row the model gets right', async () => {
    const { server, version, score } = await appWhoseModelReturnsNaN();
    // A single transaction is row 0 of its call: 0.5, a score.
    const good = await server.inject({ method: 'POST', url: '/predict', payload: rows[0] as Transaction });
    expect(good.statusCode).toBe(200);
    expect(good.json<{ fraud_probability: number }>().fraud_probability).toBe(0.5);
    score.mockResolvedValueOnce(Float32Array.from([Number.NaN]));
    const bad = await server.inject({ method: 'POST', url: '/predict', payload: rows[2] as Transaction });
    expect(bad.statusCode).toBe(500);
    expect(bad.json<{ message: string }>().message).toBe(
      `model ${version} returned NaN, not a probability, for transaction ${String(rows[2]?.transaction_id)}; no score is given`,
    );
    expect((await server.inject('/metrics')).body).toContain(
      `scoring_api_invalid_scores_total{model_version="${version}"} 1`,
    );
  });
});
