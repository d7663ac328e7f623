import { describe, expect, it } from 'vitest';
import { OffsetTracker, type Ticket } from '../src/offsets.ts';

const T = 'transactions';
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** The committable offset of one partition, or null. */
function position(tracker: OffsetTracker, partition = 0): bigint | null {
  const found = tracker.positionsToCommit([{ topic: T, partition }]);
  return found[0]?.offset ?? null;
}

function trackAll(tracker: OffsetTracker, offsets: number[], partition = 0): Ticket[] {
  return offsets.map((offset) => tracker.track(T, partition, BigInt(offset), 7));
}

describe('OffsetTracker', () => {
  it('commits nothing until the first consumed message is done', () => {
    const tracker = new OffsetTracker();
    const tickets = trackAll(tracker, range(100, 110));
    for (const ticket of tickets.slice(1)) tracker.complete(ticket);
    expect(position(tracker)).toBeNull();
    tracker.complete(tickets[0] as Ticket);
    expect(position(tracker)).toBe(110n);
  });

  it('never commits past an earlier batch that is still being scored', () => {
    const tracker = new OffsetTracker();
    const first = trackAll(tracker, range(0, 50));
    const second = trackAll(tracker, range(50, 100));
    const third = trackAll(tracker, range(100, 150));
    second.forEach((t) => {
      tracker.complete(t);
    });
    third.forEach((t) => {
      tracker.complete(t);
    });
    expect(position(tracker)).toBeNull();
    first.slice(0, 20).forEach((t) => {
      tracker.complete(t);
    });
    expect(position(tracker)).toBe(20n);
    first.slice(20).forEach((t) => {
      tracker.complete(t);
    });
    expect(position(tracker)).toBe(150n);
  });

  it('keeps partitions apart', () => {
    const tracker = new OffsetTracker();
    const p0 = trackAll(tracker, range(0, 10), 0);
    const p1 = trackAll(tracker, range(0, 10), 1);
    p1.forEach((t) => {
      tracker.complete(t);
    });
    p0.slice(0, 4).forEach((t) => {
      tracker.complete(t);
    });
    expect(tracker.positionsToCommit()).toEqual([
      { topic: T, partition: 0, offset: 4n, leaderEpoch: 7 },
      { topic: T, partition: 1, offset: 10n, leaderEpoch: 7 },
    ]);
    expect(tracker.positionsToCommit([{ topic: T, partition: 1 }])).toHaveLength(1);
    expect(tracker.positionsToCommit([{ topic: T, partition: 5 }])).toEqual([]);
  });

  it('steps over gaps in the offsets (control records, compaction)', () => {
    const tracker = new OffsetTracker();
    trackAll(tracker, [0, 1, 3, 7]).forEach((t) => {
      tracker.complete(t);
    });
    expect(position(tracker)).toBe(8n);
  });

  it('offers a position once: after markCommitted only a later one', () => {
    const tracker = new OffsetTracker();
    const tickets = trackAll(tracker, range(0, 10));
    tickets.slice(0, 5).forEach((t) => {
      tracker.complete(t);
    });
    const positions = tracker.positionsToCommit();
    tracker.markCommitted(positions);
    expect(tracker.positionsToCommit()).toEqual([]);
    tracker.complete(tickets[5] as Ticket);
    expect(position(tracker)).toBe(6n);
  });

  it('keeps an offset delivered twice (a redelivery after a rebalance) pending until both are done', () => {
    const tracker = new OffsetTracker();
    const original = trackAll(tracker, range(0, 10));
    original.slice(0, 3).forEach((t) => {
      tracker.complete(t);
    });
    // The group rebalanced; the library fetches again from the committed offset 3 while 3..9 are in flight.
    const again = trackAll(tracker, range(3, 10));
    original.slice(3).forEach((t) => {
      tracker.complete(t);
    });
    expect(position(tracker)).toBe(3n);
    again.slice(0, 4).forEach((t) => {
      tracker.complete(t);
    });
    expect(position(tracker)).toBe(7n);
    again.slice(4).forEach((t) => {
      tracker.complete(t);
    });
    expect(position(tracker)).toBe(10n);
  });

  it('makes an already completed offset pending again when it is redelivered, and never commits backwards', () => {
    const tracker = new OffsetTracker();
    trackAll(tracker, range(0, 2000)).forEach((t) => {
      tracker.complete(t);
    });
    tracker.markCommitted(tracker.positionsToCommit());
    expect(tracker.positionsToCommit()).toEqual([]);
    // Redelivered from an older commit (another member's, say): pending, but 1500 < 2000 is not offered.
    const redelivered = trackAll(tracker, range(1500, 2100));
    expect(tracker.positionsToCommit()).toEqual([]);
    redelivered.slice(0, 550).forEach((t) => {
      tracker.complete(t);
    });
    expect(position(tracker)).toBe(2050n);
    expect(tracker.pendingCount()).toBe(50);
  });

  it('handles a redelivery that arrives out of order among later offsets', () => {
    const tracker = new OffsetTracker();
    const late = trackAll(tracker, [10, 11, 12]);
    const early = trackAll(tracker, [5, 6]);
    late.forEach((t) => {
      tracker.complete(t);
    });
    expect(position(tracker)).toBeNull();
    tracker.complete(early[0] as Ticket);
    expect(position(tracker)).toBe(6n);
    tracker.complete(early[1] as Ticket);
    expect(position(tracker)).toBe(13n);
  });

  it('forgets partitions that were revoked and ignores their late completions', () => {
    const tracker = new OffsetTracker();
    const lost = trackAll(tracker, range(0, 10), 1);
    const kept = trackAll(tracker, range(0, 10), 0);
    tracker.retainOnly([{ topic: T, partition: 0 }]);
    lost.forEach((t) => {
      tracker.complete(t);
    });
    kept.forEach((t) => {
      tracker.complete(t);
    });
    expect(tracker.positionsToCommit()).toEqual([{ topic: T, partition: 0, offset: 10n, leaderEpoch: 7 }]);
    // Assigned back later: the new deliveries start a new generation; an old ticket does not complete them.
    const back = trackAll(tracker, range(20, 22), 1);
    tracker.complete(lost[0] as Ticket);
    tracker.complete({ ...(back[0] as Ticket), generation: (lost[0] as Ticket).generation });
    expect(position(tracker, 1)).toBeNull();
    back.forEach((t) => {
      tracker.complete(t);
    });
    expect(position(tracker, 1)).toBe(22n);
  });

  it('knows which offsets it has taken on, until the partition is released', () => {
    const tracker = new OffsetTracker();
    expect(tracker.hasSeen(T, 0, 0n)).toBe(false);
    const tickets = trackAll(tracker, range(10, 20));
    tickets.forEach((t) => {
      tracker.complete(t);
    });
    expect(tracker.hasSeen(T, 0, 15n)).toBe(true);
    expect(tracker.hasSeen(T, 0, 19n)).toBe(true);
    expect(tracker.hasSeen(T, 0, 20n)).toBe(false);
    expect(tracker.hasSeen(T, 1, 15n)).toBe(false);
    tracker.retainOnly([]);
    expect(tracker.hasSeen(T, 0, 15n)).toBe(false);
  });

  it('reports the leader epoch of the last completed record', () => {
    const tracker = new OffsetTracker();
    const a = tracker.track(T, 0, 0n, 3);
    const b = tracker.track(T, 0, 1n, 4);
    tracker.track(T, 0, 2n, 4);
    tracker.complete(a);
    tracker.complete(b);
    expect(tracker.positionsToCommit()).toEqual([{ topic: T, partition: 0, offset: 2n, leaderEpoch: 4 }]);
  });

  it('always offers exactly the first unfinished offset, whatever the completion order', () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 10; round++) {
      const tracker = new OffsetTracker();
      const count = 3000;
      const tickets = trackAll(tracker, range(0, count));
      const order = [...tickets].sort(() => random() - 0.5);
      const done = new Set<bigint>();
      let first = 0n;
      for (const ticket of order) {
        tracker.complete(ticket);
        done.add(ticket.offset);
        while (done.has(first)) first++;
        expect(position(tracker)).toBe(first === 0n ? null : first);
      }
      expect(tracker.pendingCount()).toBe(0);
    }
  });
});
