// Consumer lag as kafka_exporter reports it: per partition, the log-end offset minus the group's committed
// offset. Each scorer reports the partitions it is assigned, so the replicas' series add up to the group's
// without counting a partition twice. Figures are fetched on scrape, at most once a second.

export interface LagSnapshot {
  takenAt: number;
  endOffsets: { topic: string; partition: number; offset: number }[];
  lag: { group: string; topic: string; partition: number; lag: number }[];
}

/** Offsets by topic, indexed by partition (the library's shape); holes and -1 mean unknown. */
export type OffsetsByTopic = ReadonlyMap<string, readonly (bigint | undefined)[]>;

export function lagSnapshot(
  group: string,
  endOffsets: OffsetsByTopic,
  committed: OffsetsByTopic,
  assigned: readonly { topic: string; partitions: readonly number[] }[],
  takenAt: number,
): LagSnapshot {
  const ends: LagSnapshot['endOffsets'] = [];
  for (const [topic, offsets] of endOffsets)
    offsets.forEach((offset, partition) => {
      if (offset !== undefined && offset >= 0n) ends.push({ topic, partition, offset: Number(offset) });
    });
  const lag: LagSnapshot['lag'] = [];
  for (const { topic, partitions } of assigned) {
    for (const partition of partitions) {
      const end = endOffsets.get(topic)?.[partition];
      const done = committed.get(topic)?.[partition];
      // Like kafka_exporter, a partition without a committed offset has no lag series.
      if (end === undefined || done === undefined || end < 0n || done < 0n) continue;
      lag.push({ group, topic, partition, lag: Math.max(0, Number(end - done)) });
    }
  }
  return { takenAt, endOffsets: ends, lag };
}

export interface LagSamplerOptions {
  sample: () => Promise<LagSnapshot>;
  maxAgeMs?: number;
  /** A scrape waits at most this long for fresh figures, then gets the last ones. */
  timeoutMs?: number;
  onError?: (error: unknown) => void;
  now?: () => number;
}

export class LagSampler {
  private readonly options: LagSamplerOptions;
  private last: LagSnapshot | null = null;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | null = null;

  constructor(options: LagSamplerOptions) {
    this.options = options;
  }

  /** The figures, refreshed first when older than maxAgeMs; null before the first success. */
  async get(): Promise<LagSnapshot | null> {
    const now = (this.options.now ?? Date.now)();
    // A failed attempt counts too: a broker that does not answer is not asked more than once a second.
    if (this.refreshing === null && now - this.lastAttemptAt < (this.options.maxAgeMs ?? 1000))
      return this.last;
    if (this.refreshing === null) this.lastAttemptAt = now;
    this.refreshing ??= this.options
      .sample()
      .then(
        (snapshot) => {
          this.last = snapshot;
        },
        (error: unknown) => this.options.onError?.(error),
      )
      .finally(() => {
        this.refreshing = null;
      });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.timeoutMs ?? 2000);
    });
    await Promise.race([this.refreshing, timeout]);
    clearTimeout(timer);
    return this.last;
  }
}
