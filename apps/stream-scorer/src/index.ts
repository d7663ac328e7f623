// What tests, benchmarks and other processes use: start a scorer in-process, or reuse its pure parts.
export {
  startStreamScorer,
  type CloseOptions,
  type StreamScorer,
  type StreamScorerOptions,
} from './scorer.ts';
export { loadScorerSettings, type ScorerSettings } from './config.ts';
export { decodeEvent, deadLetterCodes, type DeadLetterCode, type Decoded } from './events.ts';
export {
  DEAD_LETTER_HEADERS,
  KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
  deadLetterRecord,
  scoredTransactionRecord,
  type OutputRecord,
} from './records.ts';
export { OffsetTracker, type CommitPosition, type Ticket } from './offsets.ts';
export {
  attributeRejection,
  readAnswer,
  retryCauses,
  type RetryCause,
  type Verdict,
} from './scoring-answer.ts';
export { defaultBackoff, parseRetryAfter, retryDelayMs, type BackoffPolicy } from './backoff.ts';
export { lagSnapshot, type LagSnapshot } from './lag.ts';
export { metricNames, type ScorerMetrics } from './metrics.ts';
export {
  openScoringPool,
  resolveAddresses,
  systemResolver,
  type AddressResolver,
  type ScoringPool,
  type ScoringPoolOptions,
} from './scoring-pool.ts';
export { planUpstreams, upstreamOrigins, type UpstreamChange } from './upstreams.ts';
