import type { ModelCard, Score, Transaction } from '@fraudops/contracts';
import { scoreSchema } from '@fraudops/contracts';
import ajvModule from 'ajv';
import type { FastifyInstance } from 'fastify';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWithModel, replayTransactions, trainedModelDir, unlabelled } from './support/fixtures.ts';

const validateScore = new ajvModule.default().compile<Score>(scoreSchema);

let app: FastifyInstance;
let card: ModelCard;
let sample: Transaction[];

beforeAll(async () => {
  app = await appWithModel();
  card = JSON.parse(await readFile(join(trainedModelDir(), 'model.json'), 'utf8')) as ModelCard;
  sample = await replayTransactions(2000);
});
afterAll(() => app.close());

describe('POST /predict', () => {
  it('returns a score that follows the contract and the model card threshold', async () => {
    const transaction = unlabelled(sample[0] as Transaction);
    const response = await app.inject({ method: 'POST', url: '/predict', payload: transaction });
    expect(response.statusCode).toBe(200);
    const score = response.json<Score>();
    expect(validateScore(score), JSON.stringify(validateScore.errors)).toBe(true);
    expect(score.transaction_id).toBe(transaction.transaction_id);
    expect(score.model_version).toBe(card.version);
    expect(score.is_fraud).toBe(score.fraud_probability >= card.threshold.value);
    // Served from a directory: no registry version, and the field is absent rather than null.
    expect(Object.keys(score).sort()).toEqual([
      'fraud_probability',
      'is_fraud',
      'model_version',
      'transaction_id',
    ]);
  });

  it('ignores labels: the same transaction with and without them scores the same', async () => {
    const labelled = sample.find((t) => t.tx_fraud === 1) as Transaction;
    const [withLabels, without] = await Promise.all(
      [labelled, unlabelled(labelled)].map((payload) =>
        app.inject({ method: 'POST', url: '/predict', payload }),
      ),
    );
    expect(withLabels?.json<Score>().fraud_probability).toBe(without?.json<Score>().fraud_probability);
  });
});

describe('POST /predict/batch', () => {
  it('scores each transaction as /predict does, in request order', async () => {
    const transactions = sample.slice(0, 50).map(unlabelled);
    const batch = await app.inject({ method: 'POST', url: '/predict/batch', payload: { transactions } });
    expect(batch.statusCode).toBe(200);
    const body = batch.json<{ model_version: string; scores: Score[] }>();
    expect(body.model_version).toBe(card.version);
    expect(body.scores.map((s) => s.transaction_id)).toEqual(transactions.map((t) => t.transaction_id));
    for (const [i, transaction] of transactions.slice(0, 10).entries()) {
      const single = await app.inject({ method: 'POST', url: '/predict', payload: transaction });
      expect(body.scores[i]?.fraud_probability).toBe(single.json<Score>().fraud_probability);
    }
  });

  it('gives each of many concurrent batches its own scores, in order, also when they span several runs', async () => {
    const batches = Array.from({ length: 6 }, (_, b) =>
      sample.slice(b * 150, b * 150 + 1000).map(unlabelled),
    );
    const answers = await Promise.all(
      batches.map((transactions) =>
        app.inject({ method: 'POST', url: '/predict/batch', payload: { transactions } }),
      ),
    );
    const singles = await Promise.all(
      batches.map((transactions) =>
        app.inject({ method: 'POST', url: '/predict', payload: transactions[999] as Transaction }),
      ),
    );
    for (const [b, answer] of answers.entries()) {
      const { scores } = answer.json<{ scores: Score[] }>();
      expect(scores).toHaveLength(1000);
      expect(scores.map((s) => s.transaction_id)).toEqual(batches[b]?.map((t) => t.transaction_id));
      expect(scores[999]?.fraud_probability).toBe(singles[b]?.json<Score>().fraud_probability);
    }
  });

  it('separates the replayed frauds from the genuine transactions (features reach the model in order)', async () => {
    const transactions = sample.slice(0, 1000).map(unlabelled);
    const { scores } = (
      await app.inject({ method: 'POST', url: '/predict/batch', payload: { transactions } })
    ).json<{ scores: Score[] }>();
    const fraud = scores.filter((_, i) => sample[i]?.tx_fraud === 1).map((s) => s.fraud_probability);
    const genuine = scores.filter((_, i) => sample[i]?.tx_fraud !== 1).map((s) => s.fraud_probability);
    expect(fraud.length).toBeGreaterThan(0);
    // Probability that a random fraud outranks a random genuine transaction (the AUC of this sample).
    let wins = 0;
    for (const f of fraud) for (const g of genuine) wins += f > g ? 1 : f === g ? 0.5 : 0;
    expect(wins / (fraud.length * genuine.length)).toBeGreaterThan(0.7);
  });
});

describe('operations endpoints', () => {
  it('GET /health is alive', async () => {
    const response = await app.inject('/health');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready names the serving model version', async () => {
    const response = await app.inject('/ready');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready', model_version: card.version });
  });

  it('GET / describes the service, the model and the links', async () => {
    const body = (await app.inject('/')).json<{
      ready: boolean;
      model: Record<string, unknown>;
      links: object;
    }>();
    expect(body.ready).toBe(true);
    expect(body.model).toMatchObject({
      name: card.name,
      version: card.version,
      threshold: card.threshold.value,
      registered_model: null,
      registered_version: null,
    });
    expect(body.links).toMatchObject({ docs: '/docs', metrics: '/metrics', ready: '/ready' });
  });

  it('GET /metrics exposes request, prediction, score and model metrics in Prometheus format', async () => {
    await app.inject({ method: 'POST', url: '/predict', payload: unlabelled(sample[1] as Transaction) });
    const response = await app.inject('/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    const text = response.body;
    expect(text).toMatch(
      /scoring_api_http_requests_total\{method="POST",route="\/predict",status_code="200"\} [1-9]/,
    );
    expect(text).toMatch(
      /scoring_api_http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/predict"/,
    );
    expect(text).toMatch(
      new RegExp(
        `scoring_api_predictions_total\\{decision="(fraud|legit)",model_version="${card.version}"\\} [1-9]`,
      ),
    );
    expect(text).toMatch(
      new RegExp(`scoring_api_fraud_probability_count\\{model_version="${card.version}"\\} [1-9]`),
    );
    expect(text).toContain(
      // Registry labels are empty for a model read from a directory.
      `scoring_api_model_info{name="${card.name}",version="${card.version}",model_type="${card.model_type}",registered_model="",registered_version=""} 1`,
    );
    expect(text).toContain('scoring_api_model_ready 1');
    expect(text).toContain('scoring_api_http_requests_in_flight');
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('GET /metrics labels unknown paths as one route, whatever the path', async () => {
    await app.inject('/no/such/path/123');
    const text = (await app.inject('/metrics')).body;
    expect(text).toContain('route="unmatched",status_code="404"');
    expect(text).not.toContain('/no/such/path');
  });

  it('GET /docs serves Swagger UI from local assets, with no CDN', async () => {
    const page = await app.inject('/docs/');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger-ui');
    expect(page.body).not.toMatch(/https?:\/\/(?!127\.0\.0\.1|localhost)/);
    const bundle = await app.inject('/docs/static/swagger-ui-bundle.js');
    expect(bundle.statusCode).toBe(200);
    expect(bundle.body.length).toBeGreaterThan(100_000);
  });

  it('GET /docs/json is an OpenAPI document with the contract schemas', async () => {
    const spec = (await app.inject('/docs/json')).json<{
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    }>();
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/predict', '/predict/batch', '/health', '/ready', '/']),
    );
    expect(Object.keys(spec.components.schemas)).toEqual(
      expect.arrayContaining(['Transaction', 'Score', 'ApiError']),
    );
  });
});
