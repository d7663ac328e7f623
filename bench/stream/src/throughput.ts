// The two measurements of bench/stream, with the same producer settings and the same events: how fast
// events get through the broker alone (produce and consume back: the ceiling), and how fast they get
// through the whole path (produce -> stream scorer -> replicas -> `scores`).
import { Admin, Consumer, Producer, stringSerializers } from '@platformatic/kafka';
import type { Transaction } from '@fraudops/contracts';
import { firstTransactionId, renderEvent } from '@fraudops/attack';

export interface Measurement {
  events: number;
  seconds: number;
  eventsPerSecond: number;
}

const CHUNK = 2000;
const IN_FLIGHT = 8;

/** Produces `count` fresh events to the topic as fast as the producer goes; returns their ids' range. */
export async function produceAll(
  bootstrap: string,
  topic: string,
  templates: readonly Transaction[],
  count: number,
): Promise<{ firstId: number; lastId: number }> {
  const producer = new Producer({
    clientId: 'fraudops-bench',
    bootstrapBrokers: [bootstrap],
    serializers: stringSerializers,
    idempotent: true,
    acks: -1,
  });
  const firstId = firstTransactionId(new Date());
  const inFlight = new Set<Promise<unknown>>();
  for (let sent = 0; sent < count; sent += CHUNK) {
    const now = new Date();
    const messages = Array.from({ length: Math.min(CHUNK, count - sent) }, (_, i) => {
      const n = sent + i;
      const event = renderEvent(templates[n % templates.length] as Transaction, firstId + n, now, null);
      return { topic, key: event.key, value: event.value };
    });
    const request: Promise<unknown> = producer.send({ messages }).finally(() => inFlight.delete(request));
    inFlight.add(request);
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await producer.close();
  return { firstId, lastId: firstId + count - 1 };
}

/**
 * Counts distinct transaction ids in [firstId, lastId] arriving on the topic until all `count` have come
 * (or the timeout passes); the consumer joins before `start()` produces, from the latest offsets.
 */
export async function countArrivals(
  bootstrap: string,
  topic: string,
  count: number,
  idOf: (value: Buffer) => number | null,
  start: () => Promise<{ firstId: number; lastId: number }>,
  timeoutMs: number,
): Promise<Measurement> {
  const consumer = new Consumer({
    clientId: 'fraudops-bench-reader',
    groupId: `fraudops-bench-${String(process.pid)}-${String(Date.now())}`,
    bootstrapBrokers: [bootstrap],
  });
  const stream = await consumer.consume({
    topics: [topic],
    mode: 'latest',
    autocommit: false,
    maxWaitTime: 100,
  });
  // The group's assignment happens on the first fetch; give it a moment before the clock starts.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const started = performance.now();
  const range = start();
  const seen = new Set<number>();
  const deadline = setTimeout(() => void stream.close(), timeoutMs);
  const { firstId, lastId } = await range;
  for await (const message of stream) {
    const id = idOf(message.value);
    if (id !== null && id >= firstId && id <= lastId) seen.add(id);
    if (seen.size >= count) break;
  }
  const seconds = (performance.now() - started) / 1000;
  clearTimeout(deadline);
  await stream.close();
  await consumer.close(true);
  if (seen.size < count)
    throw new Error(`only ${seen.size} of ${count} events arrived on ${topic} in ${timeoutMs / 1000} s`);
  return { events: count, seconds, eventsPerSecond: count / seconds };
}

export async function withScratchTopic<T>(
  bootstrap: string,
  partitions: number,
  use: (topic: string) => Promise<T>,
): Promise<T> {
  const admin = new Admin({ clientId: 'fraudops-bench-admin', bootstrapBrokers: [bootstrap] });
  const topic = `bench.raw-${String(Date.now())}`;
  await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
  try {
    return await use(topic);
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.close();
  }
}

export const transactionIdOf = (value: Buffer): number | null => {
  try {
    const id = (JSON.parse(value.toString('utf8')) as { transaction_id?: unknown }).transaction_id;
    return typeof id === 'number' ? id : null;
  } catch {
    return null;
  }
};
