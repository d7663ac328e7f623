import { describe, expect, it } from 'vitest';
import { LagSampler, lagSnapshot, type LagSnapshot } from '../src/lag.ts';

describe('lagSnapshot', () => {
  it('reports every partition’s end offset and the lag of the assigned partitions that have a commit', () => {
    const ends = new Map([['transactions', [100n, 50n, 0n, 7n]]]);
    const committed = new Map([['transactions', [90n, -1n, 0n, undefined]]]);
    const snapshot = lagSnapshot(
      'g',
      ends,
      committed,
      [{ topic: 'transactions', partitions: [0, 1, 2, 3] }],
      5,
    );
    expect(snapshot.endOffsets).toEqual([
      { topic: 'transactions', partition: 0, offset: 100 },
      { topic: 'transactions', partition: 1, offset: 50 },
      { topic: 'transactions', partition: 2, offset: 0 },
      { topic: 'transactions', partition: 3, offset: 7 },
    ]);
    expect(snapshot.lag).toEqual([
      { group: 'g', topic: 'transactions', partition: 0, lag: 10 },
      { group: 'g', topic: 'transactions', partition: 2, lag: 0 },
    ]);
    expect(snapshot.takenAt).toBe(5);
  });

  it('reports only the partitions this member is assigned, so replicas do not count one twice', () => {
    const ends = new Map([['t', [10n, 10n, 10n]]]);
    const committed = new Map([['t', [undefined, 4n, undefined]]]);
    expect(lagSnapshot('g', ends, committed, [{ topic: 't', partitions: [1] }], 0).lag).toEqual([
      { group: 'g', topic: 't', partition: 1, lag: 6 },
    ]);
    expect(lagSnapshot('g', ends, committed, [], 0).lag).toEqual([]);
  });
});

describe('LagSampler', () => {
  const snapshot = (takenAt: number): LagSnapshot => ({ takenAt, endOffsets: [], lag: [] });

  it('asks the broker at most once per interval, sharing one request between callers', async () => {
    let clock = 0;
    let calls = 0;
    const sampler = new LagSampler({
      sample: async () => {
        calls++;
        return snapshot(clock);
      },
      now: () => clock,
    });
    await Promise.all([sampler.get(), sampler.get()]);
    expect(calls).toBe(1);
    clock = 999;
    expect(await sampler.get()).toEqual(snapshot(0));
    expect(calls).toBe(1);
    clock = 1000;
    expect(await sampler.get()).toEqual(snapshot(1000));
    expect(calls).toBe(2);
  });

  it('keeps the last figures when the broker fails, and does not retry within the interval', async () => {
    let clock = 0;
    let fail = false;
    let calls = 0;
    const errors: unknown[] = [];
    const sampler = new LagSampler({
      sample: async () => {
        calls++;
        if (fail) throw new Error('no broker');
        return snapshot(clock);
      },
      now: () => clock,
      onError: (error) => errors.push(error),
    });
    await sampler.get();
    fail = true;
    clock = 1500;
    expect(await sampler.get()).toEqual(snapshot(0));
    clock = 1600;
    expect(await sampler.get()).toEqual(snapshot(0));
    expect(calls).toBe(2);
    expect(errors).toHaveLength(1);
  });

  it('does not let a scrape wait longer than its timeout', async () => {
    const sampler = new LagSampler({
      sample: () => new Promise<LagSnapshot>(() => undefined),
      timeoutMs: 50,
    });
    const started = Date.now();
    expect(await sampler.get()).toBeNull();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
