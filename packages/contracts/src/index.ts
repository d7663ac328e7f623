export * from './schemas.ts';
export type {
  Label,
  ModelCard,
  ModelMetrics,
  Score,
  ScoredTransaction,
  Transaction,
  WorldSettings,
} from './types.generated.ts';
export { withoutLabels } from './labels.ts';
