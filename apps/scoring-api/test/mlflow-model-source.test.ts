// A replica that follows `models:/<name>@champion` on a real MLflow server: not ready until the alias exists,
// moves with the alias under load without a failed request, refuses a broken version once and keeps serving,
// and rides out the registry going away. Every test registers its own model name on the one server of the file.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Score, Transaction } from '@fraudops/contracts';
import {
  publishModelVersion,
  setModelAlias,
  startMlflowServer,
  type MlflowServer,
} from '@fraudops/test-fixtures/mlflow';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { parseModelsUri } from '../src/model/mlflow-model-source.ts';
import {
  mismatchedAnswers,
  referenceScores,
  rowsThatDiffer,
  writeSwappedModel,
  type Answer,
} from './support/different-model.ts';
import {
  replayTransactions,
  tempDir,
  testConfig,
  trainedModelDir,
  unlabelled,
  writeModelVariant,
} from './support/fixtures.ts';

const POLL_MS = 200;

let mlflowDir: string;
let mlflow: MlflowServer;
let sample: Transaction[];
let app: FastifyInstance | undefined;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  sample = (await replayTransactions(20)).map(unlabelled);
  mlflowDir = await tempDir('mlflow');
  mlflow = await startMlflowServer({ dir: mlflowDir });
}, 180_000);
afterAll(async () => {
  await mlflow.stop();
  await rm(mlflowDir, { recursive: true, force: true });
});
afterEach(async () => {
  await app?.close();
  app = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** Publishes a copy of the trained model whose card says `cardVersion`, optionally changed further. */
async function publish(
  model: string,
  cardVersion: string,
  options: {
    alias?: string;
    onnx?: (bytes: Buffer) => Buffer;
    files?: string[];
    /** Publish the different graph of support/different-model.ts instead; `dirs` records where it is. */
    swapped?: { dirs: Map<string, string> };
  } = {},
): Promise<string> {
  const dir = join(await tempDir('variant'), cardVersion);
  if (options.swapped) {
    await writeSwappedModel(dir, cardVersion);
    options.swapped.dirs.set(cardVersion, dir);
  } else {
    await writeModelVariant(dir, {
      card: (card) => ({ ...card, version: cardVersion }),
      ...(options.onnx === undefined ? {} : { onnx: options.onnx }),
    });
  }
  const published = await publishModelVersion(mlflow.trackingUri, model, dir, {
    ...(options.alias === undefined ? {} : { alias: options.alias }),
    ...(options.files === undefined ? {} : { files: options.files }),
  });
  return published.version;
}

async function startApp(modelUri: string, trackingUri = mlflow.trackingUri): Promise<FastifyInstance> {
  app = await buildApp(
    testConfig(modelUri, { MLFLOW_TRACKING_URI: trackingUri, MODEL_POLL_INTERVAL_MS: POLL_MS }),
    false,
  );
  await app.ready();
  await app.models.refresh();
  return app;
}

const predict = (server: FastifyInstance, transaction: Transaction) =>
  server.inject({ method: 'POST', url: '/predict', payload: transaction });

const servedVersion = async (server: FastifyInstance): Promise<string | undefined> =>
  (await server.inject('/ready')).json<{ model_version?: string }>().model_version;

/** The value of one sample in the Prometheus text, 0 when absent. */
async function metric(server: FastifyInstance, sample: string): Promise<number> {
  const text = (await server.inject('/metrics')).body;
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

describe('following an alias', () => {
  it('is alive but not ready while the alias does not exist, then serves what it names within a poll', async () => {
    const server = await startApp('models:/first@champion');
    expect((await server.inject('/health')).statusCode).toBe(200);
    expect((await server.inject('/ready')).statusCode).toBe(503);
    const refused = await predict(server, sample[0] as Transaction);
    expect(refused.statusCode).toBe(503);
    // The model exists but has no champion yet (MLflow answers 400, not 404): still nothing offered.
    const version = await publish('first', 'card-v1');
    expect(version).toBe('1');
    await server.models.refresh();
    expect((await server.inject('/ready')).statusCode).toBe(503);
    // "Not there yet" is no failure: nothing logged or counted as one.
    expect(await metric(server, 'scoring_api_model_source_failures_total')).toBe(0);

    const moved = Date.now();
    await setModelAlias(mlflow.trackingUri, 'first', 'champion', version);
    await expect.poll(() => servedVersion(server), { timeout: 5000, interval: 20 }).toBe('card-v1');
    const tookMs = Date.now() - moved;
    console.info(`alias set -> serving: ${tookMs} ms (poll ${POLL_MS} ms)`);
    expect(tookMs).toBeLessThan(POLL_MS + 3000);

    const score = await predict(server, sample[0] as Transaction);
    expect(score.statusCode).toBe(200);
    expect(score.json<Score>().model_version).toBe('card-v1');
    // The registry's version number rides with every score (the lake traces scores to the registry by it).
    expect(score.json<Score>().registry_version).toBe('1');
    const root = (await server.inject('/')).json<{ model: Record<string, unknown> }>();
    expect(root.model).toMatchObject({
      version: 'card-v1',
      registered_model: 'first',
      registered_version: '1',
      source: `MLflow models:/first@champion at ${mlflow.trackingUri}`,
    });
    expect((await server.inject('/metrics')).body).toMatch(
      /scoring_api_model_info\{name="fraud-detector",version="card-v1",model_type="[^"]+",registered_model="first",registered_version="1"\} 1/,
    );
  });

  it('serves a pinned version (models:/<name>/<version>) and ignores where the alias goes', async () => {
    await publish('pinned', 'p1', { alias: 'champion' });
    await publish('pinned', 'p2', { alias: 'champion' });
    const server = await startApp('models:/pinned/1');
    expect(await servedVersion(server)).toBe('p1');
    expect(
      (await server.inject('/')).json<{ model: { registered_version: string } }>().model.registered_version,
    ).toBe('1');
  });

  it('changes the served graph under constant load when the alias moves: zero failed requests, every score from its own model', async () => {
    await publish('swap', 'v1', { alias: 'champion' });
    // v2 is a different graph (fraud probability 1 - p), so a swap that kept the old session shows.
    const dirs = new Map<string, string>();
    const v2 = await publish('swap', 'v2', { swapped: { dirs } });
    const references = {
      v1: await referenceScores(trainedModelDir(), sample),
      v2: await referenceScores(dirs.get('v2') as string, sample),
    };
    const rows = rowsThatDiffer(references.v1, references.v2, 0.05);
    expect(rows.length, 'sample rows the two models score differently').toBeGreaterThanOrEqual(10);
    const server = await startApp('models:/swap@champion');
    expect(await servedVersion(server)).toBe('v1');

    const answers: Answer[] = [];
    const failures: number[] = [];
    let firstV2At = 0;
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
        if (score.model_version === 'v2' && firstV2At === 0) firstV2At = Date.now();
        answers.push({ row, version: score.model_version, fraudProbability: score.fraud_probability });
      }
    };
    const clients = Array.from({ length: 6 }, client);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const moved = Date.now();
    await setModelAlias(mlflow.trackingUri, 'swap', 'champion', v2);
    await expect.poll(() => firstV2At, { timeout: 10_000, interval: 20 }).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    running = false;
    await Promise.all(clients);

    const versions = answers.map((a) => a.version);
    const switchMs = firstV2At - moved;
    console.info(`alias moved -> first v2 answer under load: ${switchMs} ms; ${versions.length} requests`);
    expect(failures).toEqual([]);
    expect(versions[0]).toBe('v1');
    expect(versions.at(-1)).toBe('v2');
    expect(versions.slice(versions.indexOf('v2'))).not.toContain('v1');
    // Every answer, before and after the move, is exactly what its own model gives that row.
    const wrong = mismatchedAnswers(answers, references);
    expect(wrong.slice(0, 3), `${wrong.length} of ${answers.length} answers not their model's`).toEqual([]);
    // One poll, plus downloading and validating 2.6 MB while six clients keep the event loop busy.
    expect(switchMs).toBeLessThan(POLL_MS + 3000);
    expect(await metric(server, 'scoring_api_model_loads_total{result="loaded",reason=""}')).toBe(2);
  });
});

describe('broken versions', () => {
  it('refuses a corrupt champion once, keeps serving the previous one, and takes the next good one', async () => {
    await publish('corrupt', 'good-1', { alias: 'champion' });
    const server = await startApp('models:/corrupt@champion');
    expect(await servedVersion(server)).toBe('good-1');

    // Truncated in transit: model.json promises the sha256 of the whole graph.
    await publish('corrupt', 'truncated', {
      alias: 'champion',
      onnx: (bytes) => bytes.subarray(0, bytes.length >> 1),
    });
    const rejected = 'scoring_api_model_loads_total{result="rejected",reason="checksum_mismatch"}';
    await expect.poll(() => metric(server, rejected), { timeout: 5000, interval: 20 }).toBe(1);
    expect(await servedVersion(server)).toBe('good-1');
    const score = await predict(server, sample[0] as Transaction);
    expect(score.statusCode).toBe(200);
    expect(score.json<Score>().model_version).toBe('good-1');
    // Several polls later it has not been downloaded and refused again.
    await new Promise((resolve) => setTimeout(resolve, POLL_MS * 5));
    expect(await metric(server, rejected)).toBe(1);

    // A version without its graph is refused too, naming what is missing.
    await publish('corrupt', 'no-graph', { alias: 'champion', files: ['model.json'] });
    const missing = 'scoring_api_model_loads_total{result="rejected",reason="unreadable"}';
    await expect.poll(() => metric(server, missing), { timeout: 5000, interval: 20 }).toBe(1);
    expect(await servedVersion(server)).toBe('good-1');

    await publish('corrupt', 'good-4', { alias: 'champion' });
    await expect.poll(() => servedVersion(server), { timeout: 5000, interval: 20 }).toBe('good-4');
    expect(
      (await server.inject('/')).json<{ model: { registered_version: string } }>().model.registered_version,
    ).toBe('4');
    expect(await metric(server, rejected)).toBe(1);
    expect(await metric(server, 'scoring_api_model_source_failures_total')).toBe(0);
  });

  it('refuses a version whose source is not served by MLflow, and reads mlflow-artifacts://host:port sources', async () => {
    // A registry (stand-in) that names a source of a given form; the files come from the real server.
    const good = await publishModelVersion(
      mlflow.trackingUri,
      'elsewhere',
      await (async () => {
        const dir = join(await tempDir('variant'), 'remote');
        await writeModelVariant(dir, { card: (card) => ({ ...card, version: 'remote' }) });
        return dir;
      })(),
    );
    let source = 's3://bucket/models/7';
    const registry = await listen(
      createHttpServer((request, response) => {
        response.setHeader('content-type', 'application/json');
        if (!request.url?.startsWith('/api/2.0/mlflow/registered-models/alias?')) {
          response.statusCode = 404;
          response.end('{}');
          return;
        }
        const version = source.startsWith('s3:') ? '7' : '8';
        response.end(
          JSON.stringify({
            model_version: { name: 'elsewhere', version, source, run_id: 'r', status: 'READY' },
          }),
        );
      }),
    );
    const server = await startApp('models:/elsewhere@champion', registry.uri);
    expect(
      await metric(server, 'scoring_api_model_loads_total{result="rejected",reason="unsupported_source"}'),
    ).toBe(1);
    expect((await server.inject('/ready')).statusCode).toBe(503);

    const port = new URL(mlflow.trackingUri).port;
    source = good.source.replace('mlflow-artifacts:/', `mlflow-artifacts://127.0.0.1:${port}/`);
    await expect.poll(() => servedVersion(server), { timeout: 5000, interval: 20 }).toBe('remote');
    expect(
      (await server.inject('/')).json<{ model: { registered_version: string } }>().model.registered_version,
    ).toBe('8');
  });
});

describe('registry outage', () => {
  it('keeps serving and counts each failed check while MLflow is unreachable, and follows the alias again after', async () => {
    await publish('outage', 'o1', { alias: 'champion' });
    const proxy = await tcpProxy(Number(new URL(mlflow.trackingUri).port));
    const server = await startApp('models:/outage@champion', proxy.uri);
    expect(await servedVersion(server)).toBe('o1');

    await proxy.close();
    const failures = 'scoring_api_model_source_failures_total';
    await expect
      .poll(() => metric(server, failures), { timeout: 5000, interval: 20 })
      .toBeGreaterThanOrEqual(2);
    expect((await server.inject('/ready')).statusCode).toBe(200);
    const score = await predict(server, sample[0] as Transaction);
    expect(score.statusCode).toBe(200);
    expect(score.json<Score>().model_version).toBe('o1');

    await publish('outage', 'o2', { alias: 'champion' });
    await proxy.reopen();
    await expect.poll(() => servedVersion(server), { timeout: 5000, interval: 20 }).toBe('o2');
  });
});

describe('MODEL_URI', () => {
  it('accepts models:/<name>@<alias> and models:/<name>/<version>, and refuses anything else naming it', async () => {
    expect(parseModelsUri('models:/fraud-detector@champion')).toEqual({
      name: 'fraud-detector',
      alias: 'champion',
    });
    expect(parseModelsUri('models:/fraud-detector/12')).toEqual({ name: 'fraud-detector', version: '12' });
    for (const uri of ['models:/fraud-detector', 'models:/fraud-detector/latest', 'models:/@champion']) {
      expect(() => parseModelsUri(uri)).toThrow(uri);
    }
    await expect(buildApp(testConfig('models:/fraud-detector/latest'), false)).rejects.toThrow(
      'models:/fraud-detector/latest',
    );
  });
});

async function listen(server: Server): Promise<{ uri: string }> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  cleanups.push(async () => {
    server.closeAllConnections();
    server.close();
  });
  return { uri: `http://127.0.0.1:${address.port}` };
}

/** Forwards a local port to MLflow; close() refuses connections and cuts open ones, reopen() listens again. */
async function tcpProxy(
  targetPort: number,
): Promise<{ uri: string; close(): Promise<void>; reopen(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const make = () =>
    createTcpServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
  let server = make();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  let open = true;
  const close = async (): Promise<void> => {
    if (!open) return;
    open = false;
    const closed = once(server, 'close');
    server.close();
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  cleanups.push(close);
  return {
    uri: `http://127.0.0.1:${port}`,
    close,
    async reopen() {
      server = make();
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
      open = true;
    },
  };
}
