// Turns fraud probabilities into the API's Score records and counts them. Pure apart from the metrics.
import type { Score, Transaction } from '@fraudops/contracts';
import type { LoadedModel } from './model/loaded-model.ts';
import type { ServiceMetrics } from './plugins/metrics.ts';

export async function scoreTransactions(
  model: LoadedModel,
  transactions: readonly Transaction[],
  metrics: ServiceMetrics,
): Promise<Score[]> {
  const probabilities = await model.score(transactions);
  const { version } = model;
  const threshold = model.card.threshold.value;
  const scores: Score[] = new Array<Score>(transactions.length);
  let frauds = 0;
  // Resolve the labelled child once: a labelled observe() hashes its labels on every call.
  const scoreDistribution = metrics.fraudProbability.labels({ model_version: version });
  for (let row = 0; row < transactions.length; row++) {
    // A forest's probability is a float32 average of its trees' leaf values: all trees agreeing on 1 can sum
    // to 1.0000001. The contract says [0, 1], so the rounding error is clamped, never passed on.
    const fraudProbability = Math.min(1, Math.max(0, probabilities[row] as number));
    const isFraud = fraudProbability >= threshold;
    if (isFraud) frauds++;
    scoreDistribution.observe(fraudProbability);
    scores[row] = {
      transaction_id: (transactions[row] as Transaction).transaction_id,
      fraud_probability: fraudProbability,
      is_fraud: isFraud,
      model_version: version,
    };
  }
  if (frauds > 0) metrics.predictions.inc({ decision: 'fraud', model_version: version }, frauds);
  if (frauds < transactions.length) {
    metrics.predictions.inc({ decision: 'legit', model_version: version }, transactions.length - frauds);
  }
  return scores;
}
