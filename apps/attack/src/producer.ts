// The paced producer: every tick it sends what the ramp says is due, in one produce request per chunk,
// with a bounded number of requests in flight. When the broker or this process cannot keep up, sending
// falls behind the target instead of queueing without bound; the progress line shows the gap.
import { setTimeout as sleep } from 'node:timers/promises';
import { Producer, stringSerializers } from '@platformatic/kafka';
import type { Transaction } from '@fraudops/contracts';
import { firstTransactionId, poisonFor, renderEvent, type PoisonKind } from './events.ts';
import { eventsDue, targetRate, type Ramp } from './ramp.ts';

export interface PacedProducerOptions {
  bootstrap: string;
  topic: string;
  ramp: Ramp;
  templates: readonly Transaction[];
  /** Share of events deliberately broken (0 for none). */
  poisonRatio: number;
  tickMs?: number;
  chunkSize?: number;
  maxInFlight?: number;
  /**
   * Several producers (the cluster Job's pods) never reuse each other's transaction ids: producer `idOffset`
   * of `idStride` takes the ids congruent to its offset modulo the stride.
   */
  idStride?: number;
  idOffset?: number;
  onProduced: (count: number) => void;
  onError: (error: Error) => void;
  onTarget: (eventsPerSecond: number) => void;
}

export interface ProducerTotals {
  produced: number;
  poisoned: Record<PoisonKind, number>;
  failedRequests: number;
  firstTransactionId: number;
  /** The last id sent; ids run from the first to it in steps of the producer's idStride. */
  lastTransactionId: number;
}

export class PacedProducer {
  readonly totals: ProducerTotals;
  private readonly options: Required<PacedProducerOptions>;
  private readonly producer: Producer<string, string, string, string>;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private nextId: number;
  private next = 0;
  private startedAt = 0;

  constructor(options: PacedProducerOptions) {
    this.options = { tickMs: 50, chunkSize: 2000, maxInFlight: 8, idStride: 1, idOffset: 0, ...options };
    const { idStride, idOffset } = this.options;
    if (
      !Number.isInteger(idStride) ||
      idStride < 1 ||
      !Number.isInteger(idOffset) ||
      idOffset < 0 ||
      idOffset >= idStride
    )
      throw new Error(`idOffset must be an integer in [0, idStride), got ${idOffset} of ${idStride}`);
    this.producer = new Producer({
      clientId: 'fraudops-attack',
      bootstrapBrokers: [options.bootstrap],
      serializers: stringSerializers,
      idempotent: true,
      acks: -1,
    });
    this.nextId = Math.ceil(firstTransactionId(new Date()) / idStride) * idStride + idOffset;
    this.totals = {
      produced: 0,
      poisoned: { 'not-json': 0, 'missing-field': 0, 'wrong-type': 0, 'unknown-field': 0 },
      failedRequests: 0,
      firstTransactionId: this.nextId,
      lastTransactionId: this.nextId - idStride,
    };
  }

  /** Events per second the ramp asks for now. */
  currentTarget(): number {
    return this.startedAt === 0 ? 0 : targetRate(this.options.ramp, (Date.now() - this.startedAt) / 1000);
  }

  start(): void {
    this.startedAt = Date.now();
    this.loop = this.run();
  }

  /** Stops sending, waits for the requests in flight, closes the connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.producer.close();
  }

  private async run(): Promise<void> {
    const { ramp, tickMs, chunkSize, maxInFlight, templates, topic } = this.options;
    const inFlight = new Set<Promise<void>>();
    let sentSoFar = 0;
    while (!this.stopped) {
      const elapsed = (Date.now() - this.startedAt) / 1000;
      this.options.onTarget(targetRate(ramp, elapsed));
      // Never owe more than a second: after a stall, resume at the rate instead of bursting the backlog.
      const due = eventsDue(ramp, elapsed);
      const owed = Math.min(due - sentSoFar, Math.max(chunkSize, targetRate(ramp, elapsed)));
      if (due - sentSoFar > owed) sentSoFar = due - owed;
      let budget = owed;
      while (budget > 0 && inFlight.size < maxInFlight) {
        const count = Math.min(budget, chunkSize);
        const now = new Date();
        const messages = Array.from({ length: count }, () => {
          const n = this.next++;
          const id = this.nextId;
          this.nextId += this.options.idStride;
          const poison = poisonFor(n, this.options.poisonRatio);
          const event = renderEvent(templates[n % templates.length] as Transaction, id, now, poison);
          if (poison !== null) this.totals.poisoned[poison]++;
          return { topic, key: event.key, value: event.value };
        });
        this.totals.lastTransactionId = this.nextId - this.options.idStride;
        const request = this.producer.send({ messages }).then(
          () => {
            this.totals.produced += count;
            this.options.onProduced(count);
          },
          (error: unknown) => {
            this.totals.failedRequests++;
            this.options.onError(error as Error);
          },
        );
        const tracked = request.finally(() => inFlight.delete(tracked));
        inFlight.add(tracked);
        budget -= count;
        sentSoFar += count;
      }
      if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
      else await sleep(tickMs);
    }
    await Promise.all(inFlight);
  }
}
