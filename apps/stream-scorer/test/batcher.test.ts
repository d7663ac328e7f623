import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Batcher } from '../src/batcher.ts';

interface Harness {
  batcher: Batcher<number>;
  started: number[][];
  finish: (batch?: number) => Promise<void>;
  pressure: boolean[];
}

function harness(options: { maxSize: number; maxWaitMs: number; maxInFlight: number }): Harness {
  const started: number[][] = [];
  const pending: (() => void)[] = [];
  const pressure: boolean[] = [];
  const batcher = new Batcher<number>({
    ...options,
    run: (items) => {
      started.push(items);
      return new Promise<void>((resolve) => pending.push(resolve));
    },
    onBackpressure: (saturated) => pressure.push(saturated),
    onError: (error) => {
      throw error;
    },
  });
  const finish = async (index = 0): Promise<void> => {
    const [resolve] = pending.splice(index, 1);
    resolve?.();
    await vi.advanceTimersByTimeAsync(0);
  };
  return { batcher, started, finish, pressure };
}

describe('Batcher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends a batch as soon as it is full', () => {
    const { batcher, started } = harness({ maxSize: 3, maxWaitMs: 1000, maxInFlight: 2 });
    for (const n of [1, 2, 3, 4]) batcher.add(n);
    expect(started).toEqual([[1, 2, 3]]);
  });

  it('sends a partial batch when its first event has waited maxWaitMs', async () => {
    const { batcher, started } = harness({ maxSize: 100, maxWaitMs: 50, maxInFlight: 2 });
    batcher.add(1);
    await vi.advanceTimersByTimeAsync(30);
    batcher.add(2);
    expect(started).toEqual([]);
    await vi.advanceTimersByTimeAsync(20);
    expect(started).toEqual([[1, 2]]);
    // The clock starts again with the next batch's first event.
    batcher.add(3);
    await vi.advanceTimersByTimeAsync(49);
    expect(started).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toEqual([[1, 2], [3]]);
  });

  it('scores at most maxInFlight batches at once; the others wait in order', async () => {
    const { batcher, started, finish } = harness({ maxSize: 1, maxWaitMs: 10, maxInFlight: 2 });
    for (const n of [1, 2, 3, 4]) batcher.add(n);
    expect(started).toEqual([[1], [2]]);
    expect(batcher.inFlight).toBe(2);
    expect(batcher.queued).toBe(2);
    await finish(1);
    expect(started).toEqual([[1], [2], [3]]);
    expect(batcher.inFlight).toBe(2);
  });

  it('asks to stop fetching once a full round of batches waits, and to resume when it drains', async () => {
    const { batcher, finish, pressure } = harness({ maxSize: 1, maxWaitMs: 10, maxInFlight: 2 });
    for (const n of [1, 2, 3]) batcher.add(n);
    expect(pressure).toEqual([]);
    batcher.add(4);
    expect(pressure).toEqual([true]);
    await finish();
    expect(pressure).toEqual([true, false]);
  });

  it('drains: seals the open batch and resolves when every batch is done', async () => {
    const { batcher, started, finish } = harness({ maxSize: 10, maxWaitMs: 1000, maxInFlight: 1 });
    for (const n of [1, 2, 3]) batcher.add(n);
    let drained = false;
    const draining = batcher.drain().then(() => (drained = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual([[1, 2, 3]]);
    expect(drained).toBe(false);
    await finish();
    await draining;
    expect(drained).toBe(true);
    await batcher.drain();
  });
});
