// Scores one batch through POST /predict/batch until every item has a score or a rejection. Failures of the
// service (429, 5xx, no answer) are retried with backoff for as long as it takes: a valid event is never
// dropped for the service's fault. Only a shutdown deadline (the signal) ends the loop early. Each attempt
// goes through the scoring pool (scoring-pool.ts), so a retry may land on another replica.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Score, Transaction } from '@fraudops/contracts';
import { parseRetryAfter, retryDelayMs, type BackoffPolicy } from './backoff.ts';
import type { ScoringPool } from './scoring-pool.ts';
import { readAnswer, type RetryCause, type Verdict } from './scoring-answer.ts';

const PREDICT_BATCH_PATH = '/predict/batch';

export interface ScoringRetry {
  cause: RetryCause;
  /** 1 for the first retry of this batch. */
  attempt: number;
  delayMs: number;
  detail: string;
}

export interface ScoringClientOptions {
  /** Where the requests go: SCORING_URL's origin, or every replica behind it (scoring-pool.ts). */
  pool: Pick<ScoringPool, 'dispatcher' | 'host'>;
  requestTimeoutMs: number;
  backoff: BackoffPolicy;
  onRetry: (retry: ScoringRetry) => void;
}

export interface ScoringOutcome {
  /** Index in the batch -> its score. */
  scores: Map<number, Score>;
  /** Index in the batch -> why the API refused it. */
  rejected: Map<number, string>;
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const e = error as Error & { code?: string };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  // Discovery has not found a ready replica yet (or ever): the retry waits for the next resolution.
  if (e.code === 'UND_ERR_BPL_MISSING_UPSTREAM') return 'no scoring-api replica known yet';
  return e.message;
}

async function post(
  pool: ScoringClientOptions['pool'],
  body: string,
  ids: readonly number[],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ verdict: Verdict; retryAfterMs: number | null }> {
  try {
    const response = await pool.dispatcher.request({
      path: PREDICT_BATCH_PATH,
      method: 'POST',
      headers: { host: pool.host, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
    const text = await response.body.text();
    const retryAfter = response.headers['retry-after'];
    return {
      verdict: readAnswer(response.statusCode, text, ids),
      retryAfterMs: parseRetryAfter(
        Array.isArray(retryAfter) ? (retryAfter[0] ?? null) : (retryAfter ?? null),
      ),
    };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    return {
      verdict: { kind: 'retry', cause: 'network', detail: describeFailure(error, timeoutMs) },
      retryAfterMs: null,
    };
  }
}

export async function scoreBatch(
  transactions: readonly Transaction[],
  options: ScoringClientOptions,
  signal: AbortSignal,
): Promise<ScoringOutcome> {
  const scores = new Map<number, Score>();
  const rejected = new Map<number, string>();
  // Indexes (into `transactions`) still to score; the API's item indexes point into this list.
  let remaining = transactions.map((_, i) => i);
  let attempt = 0;
  while (remaining.length > 0) {
    signal.throwIfAborted();
    const sent = remaining.map((i) => transactions[i] as Transaction);
    const { verdict, retryAfterMs } = await post(
      options.pool,
      JSON.stringify({ transactions: sent }),
      sent.map((t) => t.transaction_id),
      options.requestTimeoutMs,
      signal,
    );
    switch (verdict.kind) {
      case 'scored':
        verdict.scores.forEach((score, j) => scores.set(remaining[j] as number, score));
        remaining = [];
        break;
      case 'rejected_items':
        // Dead-letter what the API named and send the rest again at once: they were not judged.
        for (const [j, reason] of verdict.reasons) rejected.set(remaining[j] as number, reason);
        remaining = remaining.filter((_, j) => !verdict.reasons.has(j));
        break;
      case 'rejected_all':
        for (const i of remaining) rejected.set(i, verdict.reason);
        remaining = [];
        break;
      case 'retry': {
        attempt++;
        const delayMs = retryDelayMs(attempt, retryAfterMs, options.backoff);
        options.onRetry({ cause: verdict.cause, attempt, delayMs, detail: verdict.detail });
        await sleep(delayMs, undefined, { signal });
        break;
      }
    }
  }
  return { scores, rejected };
}
