// Sends the records of batches that finish scoring together in one produce request. The idempotent producer
// keeps one request in flight per broker connection, so separate sends would queue behind one another
// anyway; instead, what arrives while a send is in flight waits for it and then goes out as the next, larger
// send. Sends are bounded in bytes so that a group of batches never makes a request the broker refuses
// (its limit applies per partition's record batch; the whole send staying below it is the simple bound).
// A caller's promise resolves once every send that carried any of its records succeeded, and rejects as
// soon as one failed (the caller writes all its records again: duplicates are allowed, loss is not).

export interface CoalescingWriterOptions<R> {
  send: (records: R[]) => Promise<void>;
  /** Bytes a record adds to a request (key, value, headers). */
  sizeOf: (record: R) => number;
  /** Bytes a send may hold, or a function read at each write (the limit the broker reported may change). */
  maxBytes?: number | (() => number);
  maxRecords?: number;
}

interface Waiter {
  parts: number;
  settled: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Part<R> {
  records: R[];
  bytes: number;
  waiters: Set<Waiter>;
}

export class CoalescingWriter<R> {
  private readonly options: Required<CoalescingWriterOptions<R>>;
  private readonly queue: Part<R>[] = [];
  private inFlight = false;

  constructor(options: CoalescingWriterOptions<R>) {
    this.options = { maxBytes: 900 * 1024, maxRecords: 10_000, ...options };
  }

  /** Sends currently queued behind the one in flight. */
  get queued(): number {
    return this.queue.length;
  }

  write(records: readonly R[]): Promise<void> {
    const { maxRecords, sizeOf } = this.options;
    const maxBytes =
      typeof this.options.maxBytes === 'number' ? this.options.maxBytes : this.options.maxBytes();
    const written = new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { parts: 0, settled: false, resolve, reject };
      for (const record of records) {
        const size = sizeOf(record);
        let part = this.queue.at(-1);
        const full =
          part !== undefined &&
          part.records.length > 0 &&
          (part.records.length >= maxRecords || part.bytes + size > maxBytes);
        if (part === undefined || full) {
          part = { records: [], bytes: 0, waiters: new Set() };
          this.queue.push(part);
        }
        part.records.push(record);
        part.bytes += size;
        if (!part.waiters.has(waiter)) {
          part.waiters.add(waiter);
          waiter.parts++;
        }
      }
      if (waiter.parts === 0) resolve();
    });
    if (!this.inFlight) this.flush();
    return written;
  }

  private flush(): void {
    const part = this.queue.shift();
    if (part === undefined) return;
    this.inFlight = true;
    void this.options
      .send(part.records)
      .then(
        () => {
          for (const waiter of part.waiters) {
            if (--waiter.parts === 0 && !waiter.settled) {
              waiter.settled = true;
              waiter.resolve();
            }
          }
        },
        (error: unknown) => {
          for (const waiter of part.waiters) {
            if (waiter.settled) continue;
            waiter.settled = true;
            waiter.reject(error);
          }
        },
      )
      .finally(() => {
        this.inFlight = false;
        this.flush();
      });
  }
}
