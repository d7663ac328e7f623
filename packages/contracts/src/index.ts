export * from './schemas.ts';
export type { ModelCard, ModelMetrics, Score, Transaction } from './types.generated.ts';
export { withoutLabels } from './labels.ts';
