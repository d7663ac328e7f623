// A second model for the live-swap tests that scores every row differently from the trained one, and the
// scores each model gives, computed here without the service's code. A swap test that publishes the same
// graph under a new label cannot tell a real swap from one that pairs the new card with the old session.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadProjectConfig } from '@fraudops/config';
import type { ModelCard, Transaction } from '@fraudops/contracts';
import ort from 'onnxruntime-node';
import { writeModelVariant } from './fixtures.ts';

// Renames the graph's probability output and adds a Gather that swaps its two columns: the same trees, but
// the fraud probability becomes 1 - p (and the pair still sums to 1, so the service's smoke test accepts it).
// ONNX's own Python package (in ml/.venv for the exporter) edits the graph and checks the result.
const SWAP_COLUMNS_PY = `
import sys
import numpy as np
import onnx
from onnx import helper, numpy_helper

output = sys.argv[1]
model = onnx.load_from_string(sys.stdin.buffer.read())
graph = model.graph
before = output + "_before_swap"
for node in graph.node:
    for i, name in enumerate(node.output):
        if name == output:
            node.output[i] = before
graph.initializer.append(numpy_helper.from_array(np.array([1, 0], dtype=np.int64), name="swap_columns"))
graph.node.append(helper.make_node("Gather", [before, "swap_columns"], [output], axis=1))
onnx.checker.check_model(model, full_check=True)
sys.stdout.buffer.write(model.SerializeToString())
`;

/** The graph with its probability columns swapped (fraud probability 1 - p); a different sha256. */
export function swapProbabilityColumns(onnx: Buffer, probabilityOutput: string): Buffer {
  const result = spawnSync(loadProjectConfig().ml.python, ['-c', SWAP_COLUMNS_PY, probabilityOutput], {
    input: onnx,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0)
    throw new Error(`rewriting the ONNX graph failed (exit ${result.status}): ${result.stderr.toString()}`);
  return result.stdout;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Copies the trained model to `dir` as `version` with the swapped graph (and the card's checksum and type
 * following it), and returns its card.
 */
export async function writeSwappedModel(dir: string, version: string): Promise<ModelCard> {
  let swapped: Buffer | undefined;
  return writeModelVariant(dir, {
    onnx: (bytes) => {
      swapped = swapProbabilityColumns(bytes, 'probabilities');
      return swapped;
    },
    card: (card) => {
      if (card.artifact.probability_output !== 'probabilities')
        throw new Error(
          `expected the output "probabilities", the card says ${card.artifact.probability_output}`,
        );
      return {
        ...card,
        version,
        model_type: `${card.model_type}_classes_swapped`,
        artifact: { ...card.artifact, sha256: sha256(swapped as Buffer) },
      };
    },
  });
}

/**
 * The fraud probability the model in `dir` gives each transaction, from its own ONNX Runtime session (one
 * thread, as the service runs it), clamped to [0, 1] as the API does with float32 rounding.
 */
export async function referenceScores(dir: string, transactions: readonly Transaction[]): Promise<number[]> {
  const card = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ModelCard;
  const features = card.feature_order;
  const input = new Float32Array(transactions.length * features.length);
  transactions.forEach((transaction, row) => {
    features.forEach((feature, column) => {
      input[row * features.length + column] = Number(
        (transaction as unknown as Record<string, unknown>)[feature],
      );
    });
  });
  const session = await ort.InferenceSession.create(await readFile(join(dir, card.artifact.file)), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  try {
    const { input_name: inputName, probability_output: outputName } = card.artifact;
    const outputs = await session.run(
      { [inputName]: new ort.Tensor('float32', input, [transactions.length, features.length]) },
      [outputName],
    );
    const probabilities = outputs[outputName]?.data as Float32Array;
    return transactions.map((_t, row) => Math.min(1, Math.max(0, probabilities[row * 2 + 1] as number)));
  } finally {
    await session.release();
  }
}

/** One scored answer under load: which sample row it was for, and what the service said. */
export interface Answer {
  row: number;
  version: string;
  fraudProbability: number;
}

/** Answers whose score is not the one the model they are labelled with gives their row. */
export function mismatchedAnswers(
  answers: readonly Answer[],
  references: Readonly<Record<string, readonly number[]>>,
): (Answer & { expected: number | undefined })[] {
  return answers
    .map((answer) => ({ ...answer, expected: references[answer.version]?.[answer.row] }))
    .filter(({ fraudProbability, expected }) => fraudProbability !== expected);
}

/** Indexes of the rows on which the two models' scores differ by at least `by`. */
export const rowsThatDiffer = (a: readonly number[], b: readonly number[], by: number): number[] =>
  a.flatMap((score, row) => (Math.abs(score - (b[row] as number)) >= by ? [row] : []));
