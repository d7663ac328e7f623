// Groups consumed events into batches and runs a bounded number of them at once. A batch is sealed when it
// holds maxSize items or when its first item has waited maxWaitMs, so a quiet stream still gets its scores
// quickly and a busy one gets full batches. Sealed batches beyond the running ones wait in order; once a
// full round of them waits, the caller is told to stop fetching until they drain.

export interface BatcherOptions<T> {
  maxSize: number;
  maxWaitMs: number;
  maxInFlight: number;
  /** Processes one batch; should not reject (a rejection is reported to onError and the batch dropped). */
  run: (items: T[]) => Promise<void>;
  /** true: stop feeding (a full round of sealed batches waits for a slot); false: feed again. */
  onBackpressure: (saturated: boolean) => void;
  onError: (error: unknown) => void;
}

export class Batcher<T> {
  private readonly options: BatcherOptions<T>;
  private current: T[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly waiting: T[][] = [];
  private running = 0;
  private saturated = false;
  private idle: (() => void)[] = [];

  constructor(options: BatcherOptions<T>) {
    if (options.maxSize < 1 || options.maxInFlight < 1)
      throw new Error('maxSize and maxInFlight must be at least 1');
    this.options = options;
  }

  /** Batches being processed now. */
  get inFlight(): number {
    return this.running;
  }

  /** Sealed batches waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  add(item: T): void {
    this.current.push(item);
    if (this.current.length >= this.options.maxSize) this.seal();
    else if (this.current.length === 1)
      this.timer = setTimeout(() => {
        this.seal();
      }, this.options.maxWaitMs);
  }

  /** Seals the open batch now (if it has anything) and starts what a slot allows. */
  flush(): void {
    this.seal();
  }

  /** Seals the open batch and resolves once every sealed batch has been processed. */
  async drain(): Promise<void> {
    this.seal();
    if (this.running === 0 && this.waiting.length === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private seal(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.current.length === 0) return;
    this.waiting.push(this.current);
    this.current = [];
    this.pump();
  }

  private pump(): void {
    while (this.running < this.options.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.shift() as T[];
      this.running++;
      void this.options
        .run(batch)
        .catch((error: unknown) => {
          this.options.onError(error);
        })
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
    const saturated = this.waiting.length >= this.options.maxInFlight;
    if (saturated !== this.saturated) {
      this.saturated = saturated;
      this.options.onBackpressure(saturated);
    }
    if (this.running === 0 && this.waiting.length === 0) {
      const idle = this.idle;
      this.idle = [];
      for (const resolve of idle) resolve();
    }
  }
}
