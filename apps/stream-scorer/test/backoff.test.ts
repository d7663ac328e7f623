import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, parseRetryAfter, retryDelayMs } from '../src/backoff.ts';

const policy = { baseMs: 100, maxMs: 5000 };

describe('retryDelayMs', () => {
  it('doubles its ceiling with every attempt, up to the cap', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 10, 50].map((attempt) =>
      retryDelayMs(attempt, null, policy, () => 1),
    );
    expect(ceilings).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  });

  it('draws uniformly below the ceiling (full jitter)', () => {
    expect(retryDelayMs(3, null, policy, () => 0)).toBe(0);
    expect(retryDelayMs(3, null, policy, () => 0.5)).toBe(200);
    const draws = Array.from({ length: 200 }, () => retryDelayMs(4, null, policy));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThanOrEqual(800);
    expect(new Set(draws).size).toBeGreaterThan(50);
  });

  it('never retries sooner than Retry-After, which it caps', () => {
    expect(retryDelayMs(1, 1000, policy, () => 1)).toBe(1000);
    expect(retryDelayMs(7, 1000, policy, () => 1)).toBe(5000);
    expect(retryDelayMs(1, 3_600_000, policy, () => 0)).toBe(MAX_RETRY_AFTER_MS);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('1', now)).toBe(1000);
    expect(parseRetryAfter(' 30 ', now)).toBe(30_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
  });

  it('ignores a missing or unreadable header', () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-1', now)).toBeNull();
  });
});
