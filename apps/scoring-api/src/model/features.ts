import type { Transaction } from '@fraudops/contracts';

/**
 * Lays transactions out as the model's float32 input matrix, row-major [rows, featureOrder.length].
 * The request schema guarantees every feature is a finite number, so no checks happen on this hot path.
 */
export function encodeFeatures(
  transactions: readonly Transaction[],
  featureOrder: readonly string[],
): Float32Array {
  const width = featureOrder.length;
  const matrix = new Float32Array(transactions.length * width);
  for (let row = 0; row < transactions.length; row++) {
    const transaction = transactions[row] as unknown as Record<string, number>;
    const offset = row * width;
    for (let column = 0; column < width; column++) {
      matrix[offset + column] = transaction[featureOrder[column] as string] as number;
    }
  }
  return matrix;
}
