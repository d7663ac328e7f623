// Scores one batch through POST /predict/batch until every item has a score or a rejection. Failures of the
// service (429, 5xx, no answer) are retried with backoff for as long as it takes: a valid event is never
// dropped for the service's fault. Only a shutdown deadline (the signal) ends the loop early.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Score, Transaction } from '@fraudops/contracts';
import { parseRetryAfter, retryDelayMs, type BackoffPolicy } from './backoff.ts';
import { readAnswer, type RetryCause, type Verdict } from './scoring-answer.ts';

export interface ScoringRetry {
  cause: RetryCause;
  /** 1 for the first retry of this batch. */
  attempt: number;
  delayMs: number;
  detail: string;
}

export interface ScoringClientOptions {
  /** The scoring service's base URL (the gateway in the stack), e.g. http://127.0.0.1:8080. */
  baseUrl: string;
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
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = e.cause?.code ?? e.cause?.message;
  return cause === undefined ? e.message : `${e.message} (${cause})`;
}

async function post(
  url: string,
  body: string,
  ids: readonly number[],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ verdict: Verdict; retryAfterMs: number | null }> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
    const text = await response.text();
    return {
      verdict: readAnswer(response.status, text, ids),
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
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
  const url = new URL('/predict/batch', options.baseUrl).href;
  const scores = new Map<number, Score>();
  const rejected = new Map<number, string>();
  // Indexes (into `transactions`) still to score; the API's item indexes point into this list.
  let remaining = transactions.map((_, i) => i);
  let attempt = 0;
  while (remaining.length > 0) {
    signal.throwIfAborted();
    const sent = remaining.map((i) => transactions[i] as Transaction);
    const { verdict, retryAfterMs } = await post(
      url,
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
