// Builds apps and model directories for tests from the real model that @fraudops/test-fixtures trained.
import { cp, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withoutLabels, type ModelCard, type Transaction } from '@fraudops/contracts';
import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';
import { buildApp, type AppConfig } from '../../src/app.ts';

export const trainedModelDir = (): string => inject('modelDir');

export function testConfig(modelUri: string, overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    MODEL_URI: modelUri,
    // Nothing listens there: only tests of the MLflow source set a real one.
    MLFLOW_TRACKING_URI: 'http://127.0.0.1:9',
    MODEL_POLL_INTERVAL_MS: 60_000,
    MAX_IN_FLIGHT: 512,
    BATCH_MAX_ITEMS: 1000,
    BODY_LIMIT_BYTES: 2 * 1024 * 1024,
    LOG_LEVEL: 'silent',
    REQUEST_TIMEOUT_MS: 10_000,
    ...overrides,
  };
}

/** An app on the trained model, ready and with its model loaded. */
export async function appWithModel(overrides: Partial<AppConfig> = {}): Promise<FastifyInstance> {
  const app = await buildApp(testConfig(`file:${trainedModelDir()}`, overrides), false);
  await app.ready();
  await app.models.refresh();
  return app;
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `fraudops-${prefix}-`));
}

/**
 * Copies the trained model to `dir`, optionally changing its card or its graph bytes, and returns the card.
 * The checksum in the card follows the graph unless `keepChecksum` is set (to fake a corrupted download).
 */
export async function writeModelVariant(
  dir: string,
  change: { card?: (card: ModelCard) => ModelCard; onnx?: (bytes: Buffer) => Buffer } = {},
): Promise<ModelCard> {
  await cp(trainedModelDir(), dir, { recursive: true });
  let card = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ModelCard;
  if (change.onnx)
    await writeFile(join(dir, 'model.onnx'), change.onnx(await readFile(join(dir, 'model.onnx'))));
  if (change.card) card = change.card(card);
  await writeFile(join(dir, 'model.json'), JSON.stringify(card, null, 2));
  return card;
}

/** Atomically points the `link` symlink at `target`, as the trainer does with models/current. */
export async function repoint(link: string, target: string): Promise<void> {
  const temporary = `${link}.tmp-${process.pid}`;
  await rm(temporary, { force: true });
  await symlink(target, temporary);
  await rename(temporary, link);
}

/** The first `count` transactions of the replay file written by @fraudops/test-fixtures, labels included. */
export async function replayTransactions(count: number): Promise<Transaction[]> {
  const text = await readFile(inject('replayFile'), 'utf8');
  const rows: Transaction[] = [];
  for (const line of text.split('\n')) {
    if (rows.length >= count) break;
    if (line.trim() !== '') rows.push(JSON.parse(line) as Transaction);
  }
  return rows;
}

/** What a live client would send: the labels removed. */
export const unlabelled = withoutLabels;
