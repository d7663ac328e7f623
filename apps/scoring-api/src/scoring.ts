// Turns fraud probabilities into the API's Score records and counts them. Pure apart from the metrics.
import type { Score, Transaction } from '@fraudops/contracts';
import type { LoadedModel } from './model/loaded-model.ts';
import type { ServiceMetrics } from './plugins/metrics.ts';

/**
 * How far outside [0, 1] a probability may be and still count as float32 rounding (it is then clamped).
 * A forest's sum of leaf values is off by a few float32 ulps (1e-7 each) at most; the load-time smoke test
 * allows the same 1e-4 for a probability pair's sum.
 */
export const ROUNDING_TOLERANCE = 1e-4;

/**
 * The model returned something that is not a probability (NaN, infinite, or outside [0, 1] by more than
 * rounding). The request is refused with a 500 that says so: a clamped NaN or 7.3 would be a made-up score.
 */
export class ModelOutputError extends Error {
  readonly statusCode = 500;
  /** The message is meant for the client (errors.ts shows it instead of "internal error"). */
  readonly expose = true;
}

const isProbability = (p: number): boolean => p >= -ROUNDING_TOLERANCE && p <= 1 + ROUNDING_TOLERANCE;

export async function scoreTransactions(
  model: LoadedModel,
  transactions: readonly Transaction[],
  metrics: ServiceMetrics,
): Promise<Score[]> {
  const probabilities = await model.score(transactions);
  const { version } = model;
  // The registry's version number rides along so that what is scored can be traced to the registry (the lake
  // keeps it); a model served from a directory has none, and the field is then absent, not null.
  const registryVersion = model.registry === null ? {} : { registry_version: model.registry.version };
  // Checked before anything is counted as a prediction: a refused request leaves no score in the metrics.
  // `p >= a && p <= b` is false for NaN, unlike Math.min/Math.max, which pass NaN on.
  let invalid = 0;
  let firstInvalid = -1;
  for (let row = 0; row < transactions.length; row++) {
    if (!isProbability(probabilities[row] as number)) {
      invalid++;
      if (firstInvalid < 0) firstInvalid = row;
    }
  }
  if (invalid > 0) {
    metrics.invalidScores.inc({ model_version: version }, invalid);
    const id = (transactions[firstInvalid] as Transaction).transaction_id;
    throw new ModelOutputError(
      `model ${version} returned ${String(probabilities[firstInvalid])}, not a probability, for transaction ` +
        `${id}${invalid > 1 ? ` (and ${invalid - 1} more)` : ''}; no score is given`,
    );
  }
  const threshold = model.card.threshold.value;
  const scores: Score[] = new Array<Score>(transactions.length);
  let frauds = 0;
  // Resolve the labelled child once: a labelled observe() hashes its labels on every call.
  const scoreDistribution = metrics.fraudProbability.labels({ model_version: version });
  for (let row = 0; row < transactions.length; row++) {
    // A forest's probability is a float32 average of its trees' leaf values: all trees agreeing on 1 can sum
    // to 1.0000001. The contract says [0, 1], so the rounding error is clamped, never passed on (anything
    // beyond rounding was refused above).
    const fraudProbability = Math.min(1, Math.max(0, probabilities[row] as number));
    const isFraud = fraudProbability >= threshold;
    if (isFraud) frauds++;
    scoreDistribution.observe(fraudProbability);
    scores[row] = {
      transaction_id: (transactions[row] as Transaction).transaction_id,
      fraud_probability: fraudProbability,
      is_fraud: isFraud,
      model_version: version,
      ...registryVersion,
    };
  }
  if (frauds > 0) metrics.predictions.inc({ decision: 'fraud', model_version: version }, frauds);
  if (frauds < transactions.length) {
    metrics.predictions.inc({ decision: 'legit', model_version: version }, transactions.length - frauds);
  }
  return scores;
}
