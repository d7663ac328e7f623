// Which offset each partition may commit. A consumed message is pending until its score or dead letter has
// been written; a partition commits only up to its first pending message, so a batch that completes early
// never commits past an earlier one that is still being scored (at least once: nothing is skipped).
//
// Deliveries are counted, not flagged: after a rebalance the library fetches again from the committed
// offset, so the same offset can be in flight twice (the old copy and the redelivered one) and stays pending
// until both are done. Offsets are not assumed contiguous (control records and compaction leave gaps): the
// commit position is the first pending offset, or one past the last completed one when nothing is pending.

/** What a delivery hands back when it is done; a ticket from before a partition was released is ignored. */
export interface Ticket {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly generation: number;
}

/** A position to commit: everything below `offset` in the partition has been written. */
export interface CommitPosition {
  topic: string;
  partition: number;
  offset: bigint;
  /** Leader epoch of the last completed record below `offset` (KIP-320), -1 when unknown. */
  leaderEpoch: number;
}

interface Entry {
  offset: bigint;
  /** Deliveries of this offset not yet done. */
  outstanding: number;
  leaderEpoch: number;
}

interface PartitionState {
  topic: string;
  partition: number;
  generation: number;
  /** Ascending by offset; entries before `head` are all done. */
  entries: Entry[];
  head: number;
  /** The highest completed offset below every pending one, with its leader epoch. */
  completedThrough: { offset: bigint; leaderEpoch: number } | null;
  /** The last position committed (or known committed) for this partition. */
  committed: bigint | null;
  /** The highest offset ever tracked here. */
  highestSeen: bigint | null;
}

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** Index of the first entry whose offset is >= `offset` (entries ascending). */
function lowerBound(entries: readonly Entry[], from: number, offset: bigint): number {
  let low = from;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((entries[mid] as Entry).offset < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Drops done entries off the front so that the array does not grow without bound. */
const COMPACT_AFTER = 1024;

export class OffsetTracker {
  private readonly partitions = new Map<string, PartitionState>();
  private nextGeneration = 1;

  /** Records a consumed message as pending; hand the ticket to `complete` once its output is written. */
  track(topic: string, partition: number, offset: bigint, leaderEpoch = -1): Ticket {
    const state = this.stateOf(topic, partition);
    if (state.highestSeen === null || state.highestSeen < offset) state.highestSeen = offset;
    const { entries } = state;
    const last = entries[entries.length - 1];
    if (last === undefined || last.offset < offset) {
      // The common case: a partition's messages arrive in offset order.
      entries.push({ offset, outstanding: 1, leaderEpoch });
    } else {
      const at = lowerBound(entries, 0, offset);
      const found = entries[at];
      if (found?.offset === offset) {
        found.outstanding++;
        // A redelivered offset the head had already passed is pending again: step the head back to it.
        if (at < state.head) this.rewindTo(state, at);
      } else {
        entries.splice(at, 0, { offset, outstanding: 1, leaderEpoch });
        // Inserted at or before the head: it is now the first pending entry.
        if (at <= state.head) this.rewindTo(state, at);
      }
    }
    return { topic, partition, offset, generation: state.generation };
  }

  /**
   * Whether this offset was already taken on in this partition (since it was last released). After a rejoin
   * the library fetches a kept partition again from its committed offset; what it sends again up to here is
   * pending or written already, and its commit is gated by the pending copy, so it need not be scored twice.
   */
  hasSeen(topic: string, partition: number, offset: bigint): boolean {
    const seen = this.partitions.get(keyOf(topic, partition))?.highestSeen;
    return seen !== undefined && seen !== null && offset <= seen;
  }

  /** Marks one delivery done. Unknown or stale tickets (a released partition) change nothing. */
  complete(ticket: Ticket): void {
    const state = this.partitions.get(keyOf(ticket.topic, ticket.partition));
    if (state === undefined || state.generation !== ticket.generation) return;
    const at = lowerBound(state.entries, 0, ticket.offset);
    const entry = state.entries[at];
    if (entry?.offset !== ticket.offset || entry.outstanding === 0) return;
    entry.outstanding--;
    if (at === state.head) this.advance(state);
  }

  /** Positions that moved past what was last committed, for the given partitions (default: all known). */
  positionsToCommit(partitions?: readonly { topic: string; partition: number }[]): CommitPosition[] {
    const states =
      partitions === undefined
        ? [...this.partitions.values()]
        : partitions.flatMap(({ topic, partition }) => {
            const state = this.partitions.get(keyOf(topic, partition));
            return state === undefined ? [] : [state];
          });
    const positions: CommitPosition[] = [];
    for (const state of states) {
      const position = this.positionOf(state);
      if (position === null) continue;
      if (state.committed !== null && position.offset <= state.committed) continue;
      positions.push(position);
    }
    return positions;
  }

  /** Records a successful commit, so the same position is not committed again. */
  markCommitted(positions: readonly { topic: string; partition: number; offset: bigint }[]): void {
    for (const { topic, partition, offset } of positions) {
      const state = this.partitions.get(keyOf(topic, partition));
      if (state !== undefined && (state.committed === null || state.committed < offset))
        state.committed = offset;
    }
  }

  /**
   * Forgets every partition not in `assigned` (after a rebalance took them away): their pending deliveries
   * belong to another consumer now, and their late completions are ignored.
   */
  retainOnly(assigned: readonly { topic: string; partition: number }[]): void {
    const keep = new Set(assigned.map(({ topic, partition }) => keyOf(topic, partition)));
    for (const key of this.partitions.keys()) if (!keep.has(key)) this.partitions.delete(key);
  }

  /** Deliveries not yet done, over all partitions. */
  pendingCount(): number {
    let count = 0;
    for (const state of this.partitions.values())
      for (let i = state.head; i < state.entries.length; i++)
        count += (state.entries[i] as Entry).outstanding;
    return count;
  }

  private stateOf(topic: string, partition: number): PartitionState {
    const key = keyOf(topic, partition);
    let state = this.partitions.get(key);
    if (state === undefined) {
      state = {
        topic,
        partition,
        generation: this.nextGeneration++,
        entries: [],
        head: 0,
        completedThrough: null,
        committed: null,
        highestSeen: null,
      };
      this.partitions.set(key, state);
    }
    return state;
  }

  private positionOf(state: PartitionState): CommitPosition | null {
    const { topic, partition } = state;
    const first = state.entries[state.head];
    if (first !== undefined) {
      // Everything below the first pending offset is done; the epoch is that of the last done record, if any.
      const before = state.head > 0 ? state.entries[state.head - 1] : undefined;
      if (before === undefined && state.completedThrough === null) {
        // Nothing completed yet in this partition: only the offsets below the first pending one could be
        // committed, and they were never seen here. Commit nothing rather than guess.
        return null;
      }
      const leaderEpoch = before?.leaderEpoch ?? state.completedThrough?.leaderEpoch ?? -1;
      return { topic, partition, offset: first.offset, leaderEpoch };
    }
    if (state.completedThrough === null) return null;
    return {
      topic,
      partition,
      offset: state.completedThrough.offset + 1n,
      leaderEpoch: state.completedThrough.leaderEpoch,
    };
  }

  private advance(state: PartitionState): void {
    const { entries } = state;
    while (state.head < entries.length && (entries[state.head] as Entry).outstanding === 0) {
      const done = entries[state.head] as Entry;
      state.completedThrough = { offset: done.offset, leaderEpoch: done.leaderEpoch };
      state.head++;
    }
    if (state.head >= COMPACT_AFTER || state.head === entries.length) {
      entries.splice(0, state.head);
      state.head = 0;
    }
  }

  private rewindTo(state: PartitionState, at: number): void {
    state.head = at;
    const before = at > 0 ? state.entries[at - 1] : undefined;
    if (before !== undefined)
      state.completedThrough = { offset: before.offset, leaderEpoch: before.leaderEpoch };
  }
}
