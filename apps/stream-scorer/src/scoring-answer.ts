// Reads the scoring API's answer to POST /predict/batch and says what to do with the batch next. Pure: the
// HTTP call and the waiting live in scoring-client.ts.
import type { Score } from '@fraudops/contracts';

export type RetryCause = 'rate_limited' | 'server_error' | 'network';
export const retryCauses: readonly RetryCause[] = ['rate_limited', 'server_error', 'network'];

export type Verdict =
  /** One score per sent transaction, in order. */
  | { kind: 'scored'; scores: Score[] }
  /** The API named these items (indexes into the sent list) as invalid; the others may be sent again. */
  | { kind: 'rejected_items'; reasons: Map<number, string> }
  /** A 400 that names no item: the whole request is refused. */
  | { kind: 'rejected_all'; reason: string }
  | { kind: 'retry'; cause: RetryCause; detail: string };

interface ApiError {
  message?: unknown;
  errors?: unknown;
}

const ITEM_POINTER = /^\/transactions\/(\d+)(\/.*)?$/;

/**
 * Which items a 400 blames, from its `errors` (JSON pointers /transactions/<i>/<field>). Each item's reason
 * is the API's words for it with the pointer made relative to the item ("/tx_amount must be number").
 * Null when any problem points outside an item (the envelope itself is wrong): then no item can be blamed.
 */
export function attributeRejection(body: unknown, sent: number): Map<number, string> | null {
  if (typeof body !== 'object' || body === null) return null;
  const { errors } = body as ApiError;
  if (!Array.isArray(errors) || errors.length === 0) return null;
  const problems = new Map<number, string[]>();
  for (const error of errors as unknown[]) {
    if (typeof error !== 'object' || error === null) return null;
    const { field, message } = error as { field?: unknown; message?: unknown };
    if (typeof field !== 'string') return null;
    const match = ITEM_POINTER.exec(field);
    if (match === null) return null;
    const index = Number(match[1]);
    if (index >= sent) return null;
    const text = typeof message === 'string' ? message : 'is invalid';
    const list = problems.get(index) ?? [];
    list.push(`${match[2] ?? '/'} ${text}`);
    problems.set(index, list);
  }
  return new Map([...problems].map(([index, list]) => [index, list.join('; ')]));
}

function isScoreFor(value: unknown, transactionId: number): value is Score {
  if (typeof value !== 'object' || value === null) return false;
  const score = value as Record<string, unknown>;
  return (
    score.transaction_id === transactionId &&
    typeof score.fraud_probability === 'number' &&
    typeof score.is_fraud === 'boolean' &&
    typeof score.model_version === 'string'
  );
}

/** Decides from the status and the body text; `sentIds` are the transaction ids sent, in order. */
export function readAnswer(status: number, bodyText: string, sentIds: readonly number[]): Verdict {
  let body: unknown = null;
  try {
    body = JSON.parse(bodyText);
  } catch {
    // Not JSON (a proxy's HTML error page, say): judged by the status alone below.
  }
  const message =
    typeof body === 'object' && body !== null && typeof (body as ApiError).message === 'string'
      ? ((body as ApiError).message as string)
      : bodyText.slice(0, 200);
  if (status === 200) {
    const scores = (body as { scores?: unknown } | null)?.scores;
    // A 200 that does not score exactly what was sent is the server's fault: never write a wrong score.
    if (
      !Array.isArray(scores) ||
      scores.length !== sentIds.length ||
      !scores.every((score, i) => isScoreFor(score, sentIds[i] as number))
    )
      return { kind: 'retry', cause: 'server_error', detail: 'HTTP 200 whose scores do not match the batch' };
    return { kind: 'scored', scores: scores };
  }
  if (status === 400) {
    const reasons = attributeRejection(body, sentIds.length);
    return reasons === null
      ? { kind: 'rejected_all', reason: message || 'HTTP 400 without a message' }
      : { kind: 'rejected_items', reasons };
  }
  if (status === 429) return { kind: 'retry', cause: 'rate_limited', detail: `HTTP 429: ${message}` };
  // 5xx, and anything else unexpected (a 404 from a wrong URL, a 413 from a proxy's smaller body limit):
  // valid events must not be dead-lettered for the service's fault, so they wait for it to be fixed.
  return { kind: 'retry', cause: 'server_error', detail: `HTTP ${status}: ${message}` };
}
