// Not ready without a model; new versions swap in under load without a failed request; broken artifacts are
// refused, counted and logged while the previous model keeps serving.
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Score, Transaction } from '@fraudops/contracts';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import {
  repoint,
  replayTransactions,
  tempDir,
  testConfig,
  unlabelled,
  writeModelVariant,
} from './support/fixtures.ts';
import {
  mismatchedAnswers,
  referenceScores,
  rowsThatDiffer,
  writeSwappedModel,
  type Answer,
} from './support/different-model.ts';

let sample: Transaction[];
let app: FastifyInstance | undefined;

beforeAll(async () => {
  sample = (await replayTransactions(20)).map(unlabelled);
});
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A models dir whose `current` link points at a copy of the trained model named `version`. */
async function modelsDirWith(version: string): Promise<{ modelsDir: string; current: string }> {
  const modelsDir = await tempDir('models');
  await writeModelVariant(join(modelsDir, version), { card: (card) => ({ ...card, version }) });
  const current = join(modelsDir, 'current');
  await symlink(join(modelsDir, version), current);
  return { modelsDir, current };
}

async function startApp(modelUri: string): Promise<FastifyInstance> {
  app = await buildApp(testConfig(modelUri), false);
  await app.ready();
  await app.models.refresh();
  return app;
}

const predict = (server: FastifyInstance, transaction: Transaction) =>
  server.inject({ method: 'POST', url: '/predict', payload: transaction });

describe('readiness', () => {
  it('is alive but not ready, and scores nothing, until a model appears; then it serves', async () => {
    const modelsDir = await tempDir('empty');
    const server = await startApp(`file:${join(modelsDir, 'current')}`);
    expect((await server.inject('/health')).statusCode).toBe(200);
    const notReady = await server.inject('/ready');
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json<{ reason: string }>().reason).toContain('no valid model');
    const refused = await predict(server, sample[0] as Transaction);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBeDefined();
    expect((await server.inject('/metrics')).body).toContain('scoring_api_model_ready 0');

    await writeModelVariant(join(modelsDir, 'v1'), { card: (card) => ({ ...card, version: 'v1' }) });
    await repoint(join(modelsDir, 'current'), join(modelsDir, 'v1'));
    await server.models.refresh();
    expect((await server.inject('/ready')).json()).toEqual({ status: 'ready', model_version: 'v1' });
    expect((await predict(server, sample[0] as Transaction)).json<Score>().model_version).toBe('v1');
  });
});

describe('model swap', () => {
  it('swaps to a different graph under concurrent load: zero failed requests, every score from its own model', async () => {
    const { modelsDir, current } = await modelsDirWith('v1');
    // v2 is a different graph (fraud probability 1 - p): a swap that kept the old session, or paired the new
    // card with it, would answer "v2" with v1's scores.
    await writeSwappedModel(join(modelsDir, 'v2'), 'v2');
    const references = {
      v1: await referenceScores(join(modelsDir, 'v1'), sample),
      v2: await referenceScores(join(modelsDir, 'v2'), sample),
    };
    const rows = rowsThatDiffer(references.v1, references.v2, 0.05);
    expect(rows.length, 'sample rows the two models score differently').toBeGreaterThanOrEqual(10);
    const server = await startApp(`file:${current}`);

    const answers: Answer[] = [];
    const failures: number[] = [];
    let running = true;
    const client = async (): Promise<void> => {
      for (let i = 0; running; i++) {
        const row = rows[i % rows.length] as number;
        const response = await predict(server, sample[row] as Transaction);
        if (response.statusCode !== 200) {
          failures.push(response.statusCode);
          continue;
        }
        const score = response.json<Score>();
        answers.push({ row, version: score.model_version, fraudProbability: score.fraud_probability });
      }
    };
    const clients = Array.from({ length: 8 }, client);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await repoint(current, join(modelsDir, 'v2'));
    await server.models.refresh();
    await new Promise((resolve) => setTimeout(resolve, 200));
    running = false;
    await Promise.all(clients);

    expect(failures).toEqual([]);
    const versions = answers.map((a) => a.version);
    expect(versions[0]).toBe('v1');
    expect(versions.at(-1)).toBe('v2');
    // Once v2 answered, nothing answers with v1 again: the swap is one reference assignment.
    expect(versions.slice(versions.indexOf('v2'))).not.toContain('v1');
    // Every answer, before and after, is exactly what its own model gives that row.
    expect(answers.filter((a) => a.version === 'v2').length).toBeGreaterThan(0);
    const wrong = mismatchedAnswers(answers, references);
    expect(wrong.slice(0, 3), `${wrong.length} of ${answers.length} answers not their model's`).toEqual([]);
    expect((await server.inject('/metrics')).body).toContain(
      'scoring_api_model_info{name="fraud-detector",version="v2"',
    );
  });

  it('picks a new version up by itself at the poll interval', async () => {
    const { modelsDir, current } = await modelsDirWith('v1');
    app = await buildApp(testConfig(`file:${current}`, { MODEL_POLL_INTERVAL_MS: 100 }), false);
    await app.ready();
    await app.models.refresh();
    await writeModelVariant(join(modelsDir, 'v2'), { card: (card) => ({ ...card, version: 'v2' }) });
    await repoint(current, join(modelsDir, 'v2'));
    await expect
      .poll(async () => (await app?.inject('/ready'))?.json<{ model_version: string }>().model_version, {
        timeout: 5000,
      })
      .toBe('v2');
  });
});

describe('broken artifacts', () => {
  const broken: { name: string; reason: string; make: (dir: string) => Promise<unknown> }[] = [
    {
      name: 'a graph that does not match its checksum',
      reason: 'checksum_mismatch',
      make: (dir) =>
        writeModelVariant(dir, { onnx: (bytes) => Buffer.concat([bytes, Buffer.from([0])]) }).then(
          () => undefined,
        ),
    },
    {
      name: 'a graph that is not ONNX (checksum updated to match)',
      reason: 'unreadable',
      make: async (dir) => {
        const garbage = Buffer.from('this is not an onnx model');
        const { createHash } = await import('node:crypto');
        await writeModelVariant(dir, {
          onnx: () => garbage,
          card: (card) => ({
            ...card,
            version: 'garbage',
            artifact: { ...card.artifact, sha256: createHash('sha256').update(garbage).digest('hex') },
          }),
        });
      },
    },
    {
      name: 'a card that breaks the schema',
      reason: 'invalid_card',
      make: (dir) =>
        writeModelVariant(dir, {
          card: (card) => ({ ...card, version: 'no-threshold', threshold: undefined as never }),
        }),
    },
    {
      name: 'a card asking for a feature no transaction carries',
      reason: 'invalid_card',
      make: (dir) =>
        writeModelVariant(dir, {
          card: (card) => ({ ...card, version: 'alien', feature_order: ['tx_amount', 'shoe_size'] }),
        }),
    },
    {
      name: 'a card naming an output the graph lacks',
      reason: 'incompatible_graph',
      make: (dir) =>
        writeModelVariant(dir, {
          card: (card) => ({
            ...card,
            version: 'wrong-output',
            artifact: { ...card.artifact, probability_output: 'nope' },
          }),
        }),
    },
    {
      name: 'a graph whose inputs do not fit the card (fewer features)',
      reason: 'smoke_test_failed',
      make: (dir) =>
        writeModelVariant(dir, {
          card: (card) => ({
            ...card,
            version: 'narrow',
            feature_order: card.feature_order.slice(0, 5) as typeof card.feature_order,
          }),
        }),
    },
  ];

  it.each(broken)('refuses $name and keeps serving the old model', async ({ reason, make }) => {
    const { modelsDir, current } = await modelsDirWith('good');
    const server = await startApp(`file:${current}`);
    const bad = join(modelsDir, 'bad');
    await make(bad);
    await repoint(current, bad);
    await server.models.refresh();

    expect((await server.inject('/ready')).json()).toEqual({ status: 'ready', model_version: 'good' });
    const response = await predict(server, sample[0] as Transaction);
    expect(response.statusCode).toBe(200);
    expect(response.json<Score>().model_version).toBe('good');
    expect((await server.inject('/metrics')).body).toContain(
      `scoring_api_model_loads_total{result="rejected",reason="${reason}"} 1`,
    );
  });
});
