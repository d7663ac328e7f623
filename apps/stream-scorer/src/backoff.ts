// How long to wait before sending a batch again: capped exponential backoff with full jitter, so that the
// batches of several scorers that failed together do not come back together; never sooner than the
// server's Retry-After.

export interface BackoffPolicy {
  /** The ceiling of the first wait. */
  baseMs: number;
  /** No wait is longer than this (Retry-After aside). */
  maxMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 100, maxMs: 5000 };

/** A confused server's Retry-After must not park the stream for an hour. */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Retry-After as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. A date in the
 * past is 0.
 */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Every HTTP-date form starts with a day name; Date.parse alone would take "-1" for a year.
  if (!/^[A-Za-z]{3}/.test(text)) return null;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * The wait before retry number `attempt` (1 for the first retry): uniform in [0, min(max, base * 2^(attempt-1))],
 * raised to Retry-After (at most MAX_RETRY_AFTER_MS) when the server asked for longer.
 */
export function retryDelayMs(
  attempt: number,
  retryAfterMs: number | null,
  policy: BackoffPolicy = defaultBackoff,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(random() * ceiling);
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
}
